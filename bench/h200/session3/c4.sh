#!/bin/bash
B=.gpu/ptychokit; D=.gpu/lines_N64.npz; W=/tmp/c; mkdir -p $W
export PTYCHOKIT_DEVICE=gpu GOPJRT_CUDA_CHECKS=0
run() { # name, extra xla flags, train flags...
  local name=$1 xf=$2; shift 2
  rm -rf $W/$name
  local s=$(date +%s.%N)
  XLA_FLAGS="$xf" timeout 200 $B train --train_data_file $D --output_dir $W/$name "$@" > $W/$name.log 2>&1
  local rc=$? m=$(date +%s.%N)
  XLA_FLAGS="$xf" timeout 100 $B infer --model_path $W/$name --test_data $D --output_dir $W/$name/rec > $W/$name.infer.log 2>&1
  local e=$(date +%s.%N)
  echo "== $name [$xf] $* rc=$rc train_wall=$(awk "BEGIN{print $m-$s}") infer_wall=$(awk "BEGIN{print $e-$m}")"
  tr '\r' '\n' < $W/$name.log | grep -E "^(trained|time)"
}
C="--xla_gpu_per_fusion_autotune_cache_dir=/tmp/xla_at"
run nocache "" --gridsize 2 --max_epochs 5
run cache1 "$C" --gridsize 2 --max_epochs 5
ls -la /tmp/xla_at | head -5; du -sh /tmp/xla_at
run cache2 "$C" --gridsize 2 --max_epochs 5
run cache3_gs1 "$C" --gridsize 1 --max_epochs 5
run cache4_gs1 "$C" --gridsize 1 --max_epochs 5
