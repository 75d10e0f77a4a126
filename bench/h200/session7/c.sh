#!/bin/bash
# Session 7, device call C (what the budget left, ~3.5 min): gen.sh's study cut short in call B (5 seeds x 30 epochs
# did not finish in 60 s an architecture), smaller: every generator on the paper protocol, gridsize 2, 2048 groups,
# 3 seeds, 15 epochs, scored on datasets/lines_run1084probe_N64.npz (no model saw it). Usage: c.sh OUT
OUT=$1; W=/tmp/gen7c; mkdir -p $OUT $W
gunzip -c .gpu7/ptychokit.gz > .gpu7/ptychokit; chmod +x .gpu7/ptychokit
export PTYCHOKIT_DEVICE=gpu GOPJRT_CUDA_CHECKS=0
B=$PWD/.gpu7/ptychokit P=datasets/lines_run1084probe_N64.npz T=$W/paper_train.npz
$B simulate --device cpu --object lines --object_size 392 --probe .gpu7/run1084_object_probe.npz --positions raster --step 4 \
  --n_images 0 --nphotons 1e9 --seed 40 --save_Y=false --output_file $T 2>&1 | tail -1
for arch in fno ffno fno_vanilla cnn; do
  S=$(date +%s)
  timeout 45 $B study --output_dir $W/$arch --data $T --test_data_file $P --gridsize 2 --n_groups 2048 \
    --seeds 1-3 --jobs 3 --max_epochs 15 --architecture $arch > $W/$arch.out 2> $W/$arch.err
  echo "== $arch rc=$? wall $(( $(date +%s) - S )) s" >> $W/$arch.out
  cp $W/$arch.out $OUT/c_$arch.out; cp $W/$arch/study.json $OUT/c_$arch.json 2>/dev/null
done
