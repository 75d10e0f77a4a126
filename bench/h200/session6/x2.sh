#!/bin/bash
# Session 6, call 2: what call 1 (x1.sh) lost to three XLA processes at once — one process at a
# time now (each preallocates most of the GPU's memory; --jobs runs trainings side by side inside
# one process). P1: paper protocol at gridsize 2 (train on the 392² raster scan, score on
# datasets/lines_run1084probe_N64.npz); S1: the Siemens star with rPIE's refined probe (--probe);
# P4: gridsize 1 with early stopping on the training loss. Usage: x2.sh OUT
OUT=$1; W=/tmp/x2; mkdir -p $OUT $W
for f in .gpu6/*.gz; do gunzip -c $f > ${f%.gz}; chmod +x ${f%.gz}; done
export PTYCHOKIT_DEVICE=gpu GOPJRT_CUDA_CHECKS=0
B=$PWD/.gpu6/ptychokit P=datasets/lines_run1084probe_N64.npz T=$W/paper_train.npz S=.gpu6/siemens_star_tike.npz
date
$B simulate --device cpu --object lines --object_size 392 --probe .gpu6/run1084_object_probe.npz --positions raster --step 4 \
  --n_images 0 --nphotons 1e9 --seed 40 --save_Y=false --output_file $T 2>&1 | tail -1 &
$B reconstruct --data $S --algo rpie --iterations 100 --output_dir $W/star_rpie > $W/star_rpie.log 2>&1
tr '\r' '\n' < $W/star_rpie.log | tail -2 > $OUT/star_rpie.out
wait
st() { local name=$1 t=$2; shift 2
  timeout $t $B study --output_dir $W/$name "$@" > $W/$name.out 2> $W/$name.err; echo "== $name rc=$?" >> $W/$name.out
  tr '\r' '\n' < $W/$name.err | grep -v "epoch\|^\s*$" | tail -4 >> $W/$name.out; cp $W/$name.out $OUT/
  cp $W/$name/study.json $OUT/$name.json 2>/dev/null; date; }
date
st P1_paper_gs2 290 --data $T --test_data_file $P --gridsize 2 --n_groups 2048 --seeds 1-10 --jobs 5 --rpie_iterations 100
st S1_star_rpieprobe 140 --data $S --N 128 --gridsize 2 --two_half --seeds 1-2 --jobs 2 --rpie_iterations 100 --probe $W/star_rpie/reconstruction.npz
st P4_paper_gs1_trainstop 100 --data $T --test_data_file $P --gridsize 1 --n_groups 2048 --seeds 1-5 --jobs 5 --early_stop_monitor loss
