#!/bin/bash
# Groups resident on the GPU (each step sends its indices, gathers on the device) vs the old
# binary (6268a32: every batch gathered on the host and uploaded one step ahead). Usage: c2.sh OUT
OUT=$1; W=/tmp/c2; mkdir -p $W $OUT
for f in .gpu4/*.gz; do gunzip -c $f > ${f%.gz}; chmod +x ${f%.gz}; done
export PTYCHOKIT_DEVICE=gpu GOPJRT_CUDA_CHECKS=0
s=$(date +%s); .gpu4/ptychokit simulate --N 64 --n_images 32768 --object_size 1024 --save_Y=false --seed 3 --output_file $W/d.npz > $W/sim.log 2>&1; echo "sim rc=$? $(( $(date +%s)-s )) s"
run() { # name binary args...
  local name=$1 b=$2; shift 2; rm -rf $W/o
  timeout 150 .gpu4/$b train --output_dir $W/o --early_stop_patience 0 --seed 7 "$@" > $W/t.log 2>&1
  echo "== $name $b rc=$? $(awk -F, 'NR>1{printf "%s:%.3fs loss %.6g; ", $1, $5, $2}' $W/o/history.csv | cut -c1-400)"
  tr '\r' '\n' < $W/t.log | grep -E "^(trained|time)"
}
T="--train_data_file $W/d.npz --validation_split 0 --max_epochs 4"
for b in ptychokit pk_old; do run gs1_b1024 $b $T --gridsize 1 --n_images 32768 --batch_size 1024; done
for b in ptychokit pk_old; do run gs2_b1024 $b $T --gridsize 2 --n_images 16384 --batch_size 1024; done
for b in ptychokit pk_old; do run gs1_b2048 $b $T --gridsize 1 --n_images 32768 --batch_size 2048; done
# PtychoPINN's defaults (gs2, batch 16, 50 epochs) on the embedded dataset
for b in ptychokit pk_old ptychokit; do run default_gs2 $b --train_data_file datasets/lines_N64.npz --gridsize 2; done
