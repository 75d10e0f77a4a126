#!/bin/bash
# Session 6, call 3: the paper protocol with the test scan in the training's scan geometry. Call 2
# scored gridsize 2 on datasets/lines_run1084probe_N64.npz (random positions, the
# same 4.0-px mean step but no regular layout) after training on a 4-px raster: 0.787 median, against 0.918 at gridsize 1 — the gridsize-2
# network learnt the regular 4-px group layout. PtychoPINN's paper tests on new objects scanned with the
# same inner offset (4 px); here: a new lines object (seed 41, 256², raster step 4, 2401 patterns).
# One XLA process at a time. Usage: x3.sh OUT
OUT=$1; W=/tmp/x3; mkdir -p $OUT $W
for f in .gpu6/*.gz; do gunzip -c $f > ${f%.gz}; chmod +x ${f%.gz}; done
export PTYCHOKIT_DEVICE=gpu GOPJRT_CUDA_CHECKS=0
B=$PWD/.gpu6/ptychokit T=$W/paper_train.npz TE=$W/paper_test_raster4.npz PR=.gpu6/run1084_object_probe.npz
date
$B simulate --device cpu --object lines --object_size 392 --probe $PR --positions raster --step 4 \
  --n_images 0 --nphotons 1e9 --seed 40 --save_Y=false --output_file $T 2>&1 | tail -1 &
$B simulate --device cpu --object lines --object_size 256 --probe $PR --positions raster --step 4 \
  --n_images 0 --nphotons 1e9 --seed 41 --save_Y=false --output_file $TE 2>&1 | tail -1 &
wait
st() { local name=$1 t=$2; shift 2
  timeout $t $B study --output_dir $W/$name "$@" > $W/$name.out 2> $W/$name.err; echo "== $name rc=$?" >> $W/$name.out
  tr '\r' '\n' < $W/$name.err | grep -v "epoch\|^\s*$" | tail -4 >> $W/$name.out; cp $W/$name.out $OUT/
  cp $W/$name/study.json $OUT/$name.json 2>/dev/null; date; }
date
st Q1_paper_gs2_raster4test 220 --data $T --test_data_file $TE --gridsize 2 --n_groups 2048 --seeds 1-10 --jobs 5 --rpie_iterations 100
st Q2_paper_gs1_raster4test 200 --data $T --test_data_file $TE --gridsize 1 --n_groups 2048 --seeds 1-10 --jobs 5
