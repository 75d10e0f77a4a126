#!/bin/bash
# The final build on one H200: training with the groups resident (default) and streamed from the
# host (--device_data_mb 0), both through the new stepper. Usage: c6.sh OUT
OUT=$1; W=/tmp/c6; mkdir -p $OUT $W
for f in .gpu4/*.gz; do gunzip -c $f > ${f%.gz}; chmod +x ${f%.gz}; done
export PTYCHOKIT_DEVICE=gpu GOPJRT_CUDA_CHECKS=0
B=.gpu4/ptychokit
$B simulate --N 64 --n_images 8192 --object_size 512 --save_Y=false --seed 3 --output_file $W/d.npz > $W/sim.log 2>&1; echo "sim rc=$?"
$B simulate --N 64 --n_images 1024 --object_size 256 --seed 4 --output_file $W/y.npz > $W/simy.log 2>&1; echo "sim Y rc=$?"
run() { local name=$1; shift; rm -rf $W/o
  timeout 150 $B train --output_dir $W/o --early_stop_patience 0 --seed 7 "$@" > $W/t.log 2>&1
  echo "== $name rc=$? $(awk -F, 'NR>1 && ($1<4 || $1>48){printf "%s:%.3fs loss %.6g val %.6g; ", $1, $5, $2, $3}' $W/o/history.csv)"
  tr '\r' '\n' < $W/t.log | grep -E "^(trained|time)|rror"; }
for mb in 4096 0; do run gs1_b512_mb$mb --train_data_file $W/d.npz --n_images 8192 --batch_size 512 --max_epochs 4 --device_data_mb $mb; done
for mb in 4096 0; do run sup_gs2_mb$mb --train_data_file $W/y.npz --gridsize 2 --max_epochs 3 --model_type supervised --realspace_mae_weight 1 --device_data_mb $mb; done
for mb in 0 4096; do run default_gs2_mb$mb --train_data_file datasets/lines_N64.npz --gridsize 2 --device_data_mb $mb; done
.gpu4/ptychokit infer --model_path $W/o --test_data datasets/lines_N64.npz --output_dir $W/i > $W/i.log 2>&1; echo "infer rc=$?"
.gpu4/ptychokit eval --reconstruction $W/i/reconstruction.npz --truth datasets/lines_N64.npz 2>&1 | tail -4
