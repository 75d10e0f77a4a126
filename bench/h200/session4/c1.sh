#!/bin/bash
# Host input pipeline at batch 1024/2048 on one H200: old binary (6268a32: fresh host tensors, 2-3 copies a batch)
# vs new (gathered into reused buffers, one copy). Usage: c1.sh OUT
OUT=$1; W=/tmp/c1; mkdir -p $W $OUT
for f in .gpu4/*.gz; do gunzip -c $f > ${f%.gz}; chmod +x ${f%.gz}; done
export PTYCHOKIT_DEVICE=gpu GOPJRT_CUDA_CHECKS=0
{ nvidia-smi -L; nproc; free -g | head -2; find / -xdev \( -name '*pjrt*cpu*.so' -o -name 'xla_cpu*.so' \) 2>/dev/null | head; } > $OUT/machine.txt 2>&1
s=$(date +%s); .gpu4/ptychokit simulate --N 64 --n_images 32768 --object_size 1024 --save_Y=false --seed 3 --output_file $W/d.npz > $W/sim.log 2>&1; echo "sim rc=$? $(( $(date +%s)-s )) s"
run() { # name binary args...
  local name=$1 b=$2; shift 2; rm -rf $W/o
  timeout 120 .gpu4/$b train --train_data_file $W/d.npz --output_dir $W/o --validation_split 0 --early_stop_patience 0 --seed 7 --max_epochs 4 "$@" > $W/t.log 2>&1
  echo "== $name $b rc=$? $(awk -F, 'NR>1{printf "%s:%.3fs loss %.6g; ", $1, $5, $2}' $W/o/history.csv)"
  tr '\r' '\n' < $W/t.log | grep -E "^(trained|time)"
}
for b in ptychokit pk_old ptychokit pk_old; do run gs1_b1024 $b --gridsize 1 --n_images 32768 --batch_size 1024; done
for b in ptychokit pk_old; do run gs2_b1024 $b --gridsize 2 --n_images 16384 --batch_size 1024; done
for b in ptychokit pk_old; do run gs1_b2048 $b --gridsize 1 --n_images 32768 --batch_size 2048; done
