#!/bin/bash
# Session 9, device call 3: where infer's time goes on 65 536 N=64 patterns (gs2, the repository's model), batch 1024 twice (the second with the autotuning cached).
OUT=$1; W=/tmp/s9; mkdir -p $OUT $W
gunzip -c .gpu8/ptychokit.gz > .gpu8/ptychokit; chmod +x .gpu8/ptychokit
export PTYCHOKIT_DEVICE=gpu GOPJRT_CUDA_CHECKS=0
B=$PWD/.gpu8/ptychokit L=$OUT/log.txt
date -u > $L
$B simulate --object lines --N 64 --object_size 1024 --n_images 65536 --seed 3 --save_Y=false --output_file $W/l64.npz 2>&1 | tail -1 >> $L
for b in 1024 1024; do /usr/bin/time -f "wall %e s, peak RSS %M KB" $B infer --model_path datasets/models/lines_N64_gs2 --test_data $W/l64.npz --output_dir $W/i2 --batch_size $b 2>&1 | tail -3 >> $L; done
date -u >> $L
