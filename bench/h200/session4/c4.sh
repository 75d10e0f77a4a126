#!/bin/bash
# Our own stepper (no read-back between steps) vs GoMLX's trainer read every step; host->device copy
# rates; PtychoPINN's defaults end to end. Usage: c4.sh OUT
OUT=$1; W=/tmp/c4; mkdir -p $OUT $W
for f in .gpu4/*.gz; do gunzip -c $f > ${f%.gz}; chmod +x ${f%.gz}; done
export PTYCHOKIT_DEVICE=gpu GOPJRT_CUDA_CHECKS=0
(cd ptychokit/pinn && timeout 250 ../../.gpu4/pinn.test -test.run '^$' -test.bench 'TrainerSync|Upload' -test.benchtime 30x 2>&1 | grep -E 'Bench|ok|FAIL|panic|rror')
for i in 1 2; do rm -rf $W/o
  timeout 120 .gpu4/ptychokit train --train_data_file datasets/lines_N64.npz --gridsize 2 --output_dir $W/o --seed 7 > $W/t.log 2>&1
  echo "== default_gs2 run $i rc=$? $(awk -F, 'NR>1 && ($1<4 || $1>48){printf "%s:%.3fs loss %.6g; ", $1, $5, $2}' $W/o/history.csv)"
  tr '\r' '\n' < $W/t.log | grep -E "^(trained|time)"
done
