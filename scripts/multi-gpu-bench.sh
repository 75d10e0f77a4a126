#!/bin/bash
# Multi-GPU measurements of ptychokit (docs/multi-gpu.md); expects the ptychokit binary beside it. Usage:
#   multi-gpu-bench.sh OUTDIR [train|solver|all]   env: DEV (gpu), D2 (2), SMALL=1 for a CPU dry run
set -u
OUT=$1; PART=${2:-all}
B=$(dirname "$0")/ptychokit
DEV=${DEV:-gpu}; D2=${D2:-2}
W=${WORK:-/tmp/mg}; L=$W/logs; mkdir -p "$W" "$L" "$OUT"
if [ -n "${SMALL:-}" ]; then
  NTR=64; E1=1; BT=16; BT2=32; NFS=0.125; N128=64; NSOL=128; SOLB=32; IT=2; OBJ=256
else
  NTR=32768; E1=3; BT=1024; BT2=2048; NFS=2; N128=128; NSOL=20480; SOLB=1024; IT=4; OBJ=1024
fi
step() { # name timeout cmd...
  local name=$1 t=$2; shift 2
  echo "== $(date +%T) $name: $*" >> "$OUT/steps.log"
  local s=$(date +%s.%N)
  timeout "$t" "$@" > "$L/$name.log" 2>&1; local rc=$?
  local e=$(date +%s.%N)
  printf '%s rc=%d wall=%.1fs | %s\n' "$name" $rc "$(awk "BEGIN{print $e - $s}")" "$(tr '\r' '\n' < "$L/$name.log" | grep -v '^\s*$' | tail -2 | cut -c1-200 | tr '\n' ' ')" >> "$OUT/steps.log"
  { echo "##### $name rc=$rc"; tr '\r' '\n' < "$L/$name.log" | grep -v '^\s*$' | tail -40; } >> "$OUT/logs.txt"
}
nvidia-smi -L > "$OUT/gpus.txt" 2>&1
if [ "$PART" != train ]; then
  step sim128 90 $B simulate --device $DEV --N $N128 --n_images $NSOL --object_size $OBJ --save_Y=false --seed 5 --output_file $W/big.npz
  RC="reconstruct --device $DEV --algo rpie --data $W/big.npz --iterations $IT --batch_size $SOLB --seed 2"
  step solver_1dev 150 $B $RC --devices 1 --output_dir $W/r1
  step solver_2dev 150 $B $RC --devices $D2 --output_dir $W/r2
  for h in r1 r2; do echo "### $h"; cat $W/$h/history.csv; done >> "$OUT/histories.txt"
  step eval_solver_2v1 30 $B eval --reconstruction $W/r2/reconstruction.npz --truth $W/r1/reconstruction.npz --no_register
  rm -f $W/big.npz
fi
if [ "$PART" != solver ]; then
  TR="train --device $DEV --train_data_file $W/train64.npz --n_images $NTR --validation_split 0 --early_stop_patience 0 --n_filters_scale $NFS --seed 7"
  step sim64 90 $B simulate --device $DEV --N 64 --n_images $NTR --object_size $OBJ --save_Y=false --seed 3 --output_file $W/train64.npz
  # throughput: the same per-device batch on 1 and 2 devices
  step train_1dev_b$BT 120 $B $TR --devices 1 --batch_size $BT --max_epochs $E1 --output_dir $W/t1
  # loss curves: the same global batch and seed on 1 and 2 devices; the 2-device run resumes on 1 device for one more epoch
  step train_2dev_b$BT2 120 $B $TR --devices $D2 --batch_size $BT2 --max_epochs $E1 --output_dir $W/t2
  # the same 2-device run with every batch uploaded from the host instead of the groups kept on the GPUs
  step train_2dev_b${BT2}_streamed 120 $B $TR --devices $D2 --batch_size $BT2 --max_epochs $E1 --device_data_mb 0 --output_dir $W/t2s
  step train_2dev_resume_1dev 90 $B $TR --devices 1 --batch_size $BT2 --max_epochs $((E1+1)) --output_dir $W/t2
  step train_1dev_b$BT2 120 $B $TR --devices 1 --batch_size $BT2 --max_epochs $((E1+1)) --output_dir $W/t3
  for h in t1 t2 t2s t3; do echo "### $h"; cat $W/$h/history.csv; done >> "$OUT/histories.txt"
  step infer_1dev 90 $B infer --device $DEV --devices 1 --model_path $W/t3 --test_data $W/train64.npz --output_dir $W/i1
  step infer_2dev 90 $B infer --device $DEV --devices $D2 --model_path $W/t3 --test_data $W/train64.npz --output_dir $W/i2
  step eval_infer_2v1 30 $B eval --reconstruction $W/i2/reconstruction.npz --truth $W/i1/reconstruction.npz --no_register
fi
