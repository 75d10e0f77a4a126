#!/bin/bash
# Where the train step's time goes at batch 16 and 1024 (gs1, default network): GoMLX's trainer
# (reading the loss every step or not, and through its Loop) vs the same step as one plain graph,
# and the bench command's own case on this build. Usage: c3.sh OUT
OUT=$1; mkdir -p $OUT
for f in .gpu4/*.gz; do gunzip -c $f > ${f%.gz}; chmod +x ${f%.gz}; done
export PTYCHOKIT_DEVICE=gpu GOPJRT_CUDA_CHECKS=0
(cd ptychokit/pinn && timeout 300 ../../.gpu4/pinn.test -test.run '^$' -test.bench TrainerSync -test.benchtime 30x 2>&1 | grep -E 'Bench|ok|FAIL|panic|rror')
timeout 200 .gpu4/ptychokit bench --device gpu --cases 64x1x16,64x1x1024 --dft=false --data '' --output_file $OUT/bench.json 2>&1 | tail -8
