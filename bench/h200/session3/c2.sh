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
  awk -F, 'NR>1{printf "%s:%.2fs ", $1, $5} END{print ""}' $W/$name/history.csv
  tr '\r' '\n' < $W/$name.log | grep -E "^(trained|time|training)"
  $B eval --reconstruction $W/$name/rec/reconstruction.npz --truth $D 2>&1 | grep -E "amplitude  |phase  "
}
run padded10 --gridsize 2 --max_epochs 10 --early_stop_patience 0
run default50 --gridsize 2
