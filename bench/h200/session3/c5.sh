#!/bin/bash
# Input pipeline at batch 1024: old binary (counts sent twice, gathered in line) vs new (once, one batch ahead).
W=/tmp/c5; mkdir -p $W; for f in .gpu/*.gz; do gunzip -c $f > ${f%.gz}; chmod +x ${f%.gz}; done
export PTYCHOKIT_DEVICE=gpu GOPJRT_CUDA_CHECKS=0
s=$(date +%s); .gpu/ptychokit simulate --N 64 --n_images 32768 --object_size 1024 --save_Y=false --seed 3 --output_file $W/d.npz > $W/sim.log 2>&1; echo "sim rc=$? $(( $(date +%s)-s )) s"
for gs in 2 1; do
for b in pk_old ptychokit; do
  rm -rf $W/o
  timeout 150 .gpu/$b train --train_data_file $W/d.npz --output_dir $W/o --gridsize $gs --n_images 16384 --batch_size 1024 --validation_split 0 --max_epochs 3 --early_stop_patience 0 > $W/t.log 2>&1
  echo "== gs$gs $b rc=$? $(awk -F, 'NR>1{printf "%s:%.3fs loss %.6g; ", $1, $5, $2}' $W/o/history.csv)"
  tr '\r' '\n' < $W/t.log | grep -E "^(trained|time)"
done; done
