#!/bin/bash
# Session 5, call 2: the seed studies of issue 15 with the final build — PtychoPINN's schedule with
# this build's defaults (input standardised, flat epochs not counted by the patience, nphotons from
# the data), scored by 'ptychokit study' (= ptychokit eval) against the truth, rPIE beside.
# Warm shapes first (XLA autotunes a new graph once; cold runs started together slow each other).
# Usage: x2.sh OUT
OUT=$1; W=/tmp/x2; mkdir -p $OUT $W
for f in .gpu5/*.gz; do gunzip -c $f > ${f%.gz}; chmod +x ${f%.gz}; done
export PTYCHOKIT_DEVICE=gpu GOPJRT_CUDA_CHECKS=0
B=$PWD/.gpu5/ptychokit
L=datasets/lines_N64.npz P=datasets/lines_run1084probe_N64.npz S=.gpu5/siemens_star_tike.npz
for ph in 1e5 1e9; do
  $B simulate --object lines --n_images 512 --nphotons $ph --seed 21 --save_Y=false --output_file $W/lines_$ph.npz > /dev/null 2>&1 &
  $B simulate --object grf --n_images 512 --nphotons $ph --seed 22 --save_Y=false --output_file $W/grf_$ph.npz > /dev/null 2>&1 &
done
wait
st() { local name=$1 t=$2; shift 2
  timeout $t $B study --output_dir $W/$name "$@" > $W/$name.out 2> $W/$name.err; echo "== $name rc=$?" >> $W/$name.out
  grep -v "^epoch\|^\s*$" $W/$name.err | tail -5 >> $W/$name.out; cp $W/$name.out $OUT/; }
date
st S1_lines_gs2 110 --data $L --seeds 1-10 --jobs 5 --gridsize 2 --rpie_iterations 100
date
st S3_paper_gs1 110 --data $P --seeds 1-10 --jobs 5 --gridsize 1 --rpie_iterations 100
date
st S2_paper_gs2 220 --data $P --seeds 1-10 --jobs 4 --gridsize 2 --rpie_iterations 100 &
st S4_lines_gs1 220 --data $L --seeds 1-3 --jobs 1 --gridsize 1 &
st S5_fresh_gs2 220 --data $W/lines_1e5.npz,$W/lines_1e9.npz,$W/grf_1e5.npz,$W/grf_1e9.npz --seeds 1-2 --jobs 4 --gridsize 2 --rpie_iterations 100 &
st S7_paper_gs2_mae 220 --data $P --seeds 1-4 --jobs 2 --gridsize 2 --mae_weight 1 --nll_weight 0 &
st S8_paper_gs2_full 220 --data $P --seeds 1-4 --jobs 2 --gridsize 2 --pad_object=false &
st S6_star_twohalf 220 --data $S --N 128 --gridsize 2 --two_half --seeds 1-2 --jobs 2 --rpie_iterations 100 &
wait
date
(cd $W && tar czf $OUT/x2_studies.tgz */study.json */*/*/run.json */*/seed*/history.csv */*/seed*/*/history.csv 2>/dev/null)
for f in $OUT/S*.out; do echo "######## $f"; grep -v "^ *[0-9]\+ " $f | tail -25; done
