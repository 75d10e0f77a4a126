#!/bin/bash
# Session 6, call 1: PtychoPINN's paper protocol as the paper scores it — train on a large 'lines'
# scan with the experimental run1084 probe (392² object, raster step 4: every 4-px grid point, as
# PtychoPINN's grid with inner offset 4; 6889 patterns), score every seed on
# datasets/lines_run1084probe_N64.npz, an object the models never saw (study --test_data_file);
# rPIE reconstructs that test scan itself. gridsize 2 and 1 with the default (Poisson NLL) loss, and
# gridsize 1 with early stopping on the training loss (PtychoPINN's), and
# gridsize 2 with the MAE loss of PtychoPINN's maintained grid-lines workflow. Usage: x1.sh OUT
OUT=$1; W=/tmp/x1; mkdir -p $OUT $W
for f in .gpu6/*.gz; do gunzip -c $f > ${f%.gz}; chmod +x ${f%.gz}; done
export PTYCHOKIT_DEVICE=gpu GOPJRT_CUDA_CHECKS=0
B=$PWD/.gpu6/ptychokit P=datasets/lines_run1084probe_N64.npz T=$W/paper_train.npz
date
$B simulate --device cpu --object lines --object_size 392 --probe .gpu6/run1084_object_probe.npz --positions raster --step 4 \
  --n_images 0 --nphotons 1e9 --seed 40 --save_Y=false --output_file $T 2>&1 | tail -1
st() { local name=$1 t=$2; shift 2
  timeout $t $B study --output_dir $W/$name "$@" > $W/$name.out 2> $W/$name.err; echo "== $name rc=$?" >> $W/$name.out
  tr '\r' '\n' < $W/$name.err | grep -E "epoch (1|2|50)/" | head -4 >> $W/$name.out
  tr '\r' '\n' < $W/$name.err | grep -v "epoch\|^\s*$" | tail -4 >> $W/$name.out; cp $W/$name.out $OUT/
  cp $W/$name/study.json $OUT/$name.json 2>/dev/null; }
date
( S=.gpu6/siemens_star_tike.npz
  $B reconstruct --data $S --algo rpie --iterations 100 --output_dir $W/star_rpie > $W/star_rpie.log 2>&1
  tr '\r' '\n' < $W/star_rpie.log | tail -2 > $OUT/star_rpie.out
  st S1_star_rpieprobe 300 --data $S --N 128 --gridsize 2 --two_half --seeds 1-2 --jobs 2 --rpie_iterations 100 --probe $W/star_rpie/reconstruction.npz ) &
st P1_paper_gs2 360 --data $T --test_data_file $P --gridsize 2 --n_groups 2048 --seeds 1-10 --jobs 5 --rpie_iterations 100 &
st P2_paper_gs1 360 --data $T --test_data_file $P --gridsize 1 --n_groups 2048 --seeds 1-10 --jobs 5 &
wait; date
st P3_paper_gs2_mae 170 --data $T --test_data_file $P --gridsize 2 --n_groups 2048 --seeds 1-5 --jobs 5 --mae_weight 1 --nll_weight 0 &
st P4_paper_gs1_trainstop 170 --data $T --test_data_file $P --gridsize 1 --n_groups 2048 --seeds 1-5 --jobs 5 --early_stop_monitor loss &
wait
date
