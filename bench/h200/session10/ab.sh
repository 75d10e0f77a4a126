#!/bin/bash
# Session 10, device call 2: the binary before issue 21's refactor (63e5ff9, .gpu8/ptychokit_before.gz) against the
# one after it (.gpu8/ptychokit.gz), alternated in one call: `train` gs2 with PtychoPINN's defaults on lines_N64 three
# times each, and the batch-16 training steps of `bench` twice each.
OUT=$1; W=/tmp/ab; mkdir -p $OUT $W; L=$OUT/log.txt
for b in ptychokit ptychokit_before; do gunzip -c .gpu8/$b.gz > .gpu8/$b; chmod +x .gpu8/$b; done
export PTYCHOKIT_DEVICE=gpu GOPJRT_CUDA_CHECKS=0
date -u > $L
for rep in 1 2 3; do for b in ptychokit_before ptychokit; do
  /usr/bin/time -f "wall %e s" .gpu8/$b train --train_data_file datasets/lines_N64.npz --gridsize 2 --output_dir $W/$b-$rep > $W/t.txt 2>&1
  echo "$b train gs2 rep $rep: $(tr '\r' '\n' < $W/t.txt | grep -E '^(trained|time:|wall)' | tr '\n' ' ')" >> $L
done; done
for rep in 1 2; do for b in ptychokit_before ptychokit; do
  timeout 120 .gpu8/$b bench --device gpu --cases 64x1x16,64x2x16 --precision float32 --dft=false --data "" > $W/b.txt 2>&1
  echo "$b bench rep $rep:" >> $L; grep -E "N=64" $W/b.txt | tail -2 >> $L
done; done
date -u >> $L
