#!/bin/bash
# Time to result on one H200: where does a default training run's time go?
B=.gpu/ptychokit; D=.gpu/lines_N64.npz; W=/tmp/c; mkdir -p $W
export PTYCHOKIT_DEVICE=gpu
run() { # name, extra XLA flags, train flags...
  local name=$1 xf=$2; shift 2
  local s=$(date +%s.%N)
  XLA_FLAGS="$XLA_FLAGS $xf" timeout 200 $B train --train_data_file $D --output_dir $W/$name "$@" > $W/$name.log 2>&1
  local rc=$? m=$(date +%s.%N)
  XLA_FLAGS="$XLA_FLAGS $xf" timeout 100 $B infer --model_path $W/$name --test_data $D --output_dir $W/$name/rec > $W/$name.infer.log 2>&1
  local e=$(date +%s.%N)
  echo "== $name [$xf] $* rc=$rc train_wall=$(awk "BEGIN{print $m-$s}") infer_wall=$(awk "BEGIN{print $e-$m}")"
  awk -F, 'NR>1{printf "%s:%.2fs ", $1, $5} END{print ""}' $W/$name/history.csv
  tr '\r' '\n' < $W/$name.log | grep -v '^\s*$' | grep -iv "step " | head -8
  tr '\r' '\n' < $W/$name.infer.log | grep -v '^\s*$' | tail -3
  $B eval --reconstruction $W/$name/rec/reconstruction.npz --truth $D 2>&1 | grep -E "amplitude  |phase  "
}
nvidia-smi -L
run default "" --gridsize 2 --max_epochs 10 --early_stop_patience 0
run autotune0 "--xla_gpu_autotune_level=0" --gridsize 2 --max_epochs 10 --early_stop_patience 0
run b16full "" --gridsize 2 --max_epochs 10 --early_stop_patience 0 --n_images 528 --validation_split 0.03
s=$(date +%s.%N); $B reconstruct --algo rpie --data $D --iterations 30 --output_dir $W/rpie > $W/rpie.log 2>&1; echo "rpie rc=$? wall=$(awk "BEGIN{print $(date +%s.%N)-$s}")"; tail -3 $W/rpie.log
s=$(date +%s.%N); XLA_FLAGS="$XLA_FLAGS --xla_gpu_autotune_level=0" $B reconstruct --algo rpie --data $D --iterations 30 --output_dir $W/rpie0 > $W/rpie0.log 2>&1; echo "rpie autotune0 rc=$? wall=$(awk "BEGIN{print $(date +%s.%N)-$s}")"
