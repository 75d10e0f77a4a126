#!/bin/bash
B=.gpu/ptychokit; D=.gpu/lines_N64.npz; W=/tmp/c; mkdir -p $W
export PTYCHOKIT_DEVICE=gpu GOPJRT_CUDA_CHECKS=0
run() { # name, train flags...
  local name=$1; shift
  local s=$(date +%s.%N)
  timeout 200 $B train --train_data_file $D --output_dir $W/$name "$@" > $W/$name.log 2>&1
  local rc=$? m=$(date +%s.%N)
  timeout 100 $B infer --model_path $W/$name --test_data $D --output_dir $W/$name/rec > $W/$name.infer.log 2>&1
  local e=$(date +%s.%N)
  echo "== $name $* rc=$rc train_wall=$(awk "BEGIN{print $m-$s}") infer_wall=$(awk "BEGIN{print $e-$m}")"
  tr '\r' '\n' < $W/$name.log | grep -E "^(trained|time|training)"
  $B eval --reconstruction $W/$name/rec/reconstruction.npz --truth $D 2>&1 | grep -E "amplitude  |phase  "
}
run default50 --gridsize 2
s=$(date +%s.%N); $B infer --model_path $W/default50 --test_data $D --output_dir $W/i256 --batch_size 256 > $W/i256.log 2>&1; echo "infer b256 rc=$? wall=$(awk "BEGIN{print $(date +%s.%N)-$s}")"
s=$(date +%s.%N); $B inspect $D > /dev/null 2>&1; echo "inspect (process+no backend) wall=$(awk "BEGIN{print $(date +%s.%N)-$s}")"
$B infer --help 2>&1 | grep -A1 batch_size | head -3
