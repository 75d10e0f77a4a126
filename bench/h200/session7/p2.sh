#!/bin/bash
# Session 7, call 2 (issue 19): bf16 against float32, in one call.
#  1. bench: training and inference rates at batch 16 and 1024, gs1 and gs2, float32 (TF32 allowed, XLA's
#     default) and bf16 (train --precision bf16);
#  2. PtychoPINN's own ptycho_torch model (bench/ptychopinn_torch.py), TF32, eager and compiled inference;
#  3. the train command end to end at PtychoPINN's batch 16: one step a call against four (the default
#     on a GPU now), 10 epochs of gridsize 2 on datasets/lines_N64.npz;
#  4. quality: 5 seeds of PtychoPINN's defaults at gridsize 2 on datasets/lines_N64.npz, float32 and bf16
#     (study, 5 at a time in one process), loss histories kept.
# Usage: p2.sh OUT
OUT=$1; W=/tmp/p2; mkdir -p $OUT $W/pp
for f in .gpu7/*.gz; do case $f in *.tar.gz) continue;; esac; gunzip -c $f > ${f%.gz}; chmod +x ${f%.gz}; done
tar -xzf .gpu7/ptychopinn.tar.gz -C $W/pp
export PTYCHOKIT_DEVICE=gpu GOPJRT_CUDA_CHECKS=0
B=$PWD/.gpu7/ptychokit
date > $OUT/log.txt
timeout 120 $B bench --device gpu --cases 64x2x16,64x1x1024,64x2x1024 --precision float32,bf16 --dft=false --data "" \
  --output_file $OUT/bench.json > $OUT/bench.txt 2> $W/bench.err; echo "bench rc $?" >> $OUT/log.txt; tail -3 $W/bench.err >> $OUT/log.txt
date >> $OUT/log.txt
timeout 130 python3 bench/ptychopinn_torch.py --repo $W/pp --tf32 --compile --out $OUT/ptychopinn_torch.json > /dev/null 2> $W/pt.err
echo "ptychopinn rc $?" >> $OUT/log.txt; tail -c 2500 $W/pt.err >> $OUT/log.txt
date >> $OUT/log.txt
for k in 1 4; do
  s0=$(date +%s.%N); timeout 45 $B train --train_data_file datasets/lines_N64.npz --gridsize 2 --nepochs 10 \
    --early_stop_patience 0 --steps_per_call $k --output_dir $W/t_k$k > $W/t_k$k.log 2>&1
  rc=$?; wall=$(python3 -c "print(round($(date +%s.%N)-$s0,2))")
  echo "train steps_per_call $k rc $rc wall $wall s: $(tr '\r' '\n' < $W/t_k$k.log | grep -E 'steps an epoch|median|epoch 10/' | tail -3 | tr '\n' ' ')" >> $OUT/log.txt
done
date >> $OUT/log.txt
for p in float32 bf16; do
  timeout 75 $B study --data datasets/lines_N64.npz --gridsize 2 --seeds 1-5 --jobs 5 --precision $p \
    --output_dir $W/q_$p > $W/q_$p.out 2> $W/q_$p.err; echo "study $p rc $?" >> $OUT/log.txt
  tail -12 $W/q_$p.out >> $OUT/log.txt; cp $W/q_$p/study.json $OUT/study_$p.json 2>/dev/null
  date >> $OUT/log.txt
done
( cd $W && tar -czf $OUT/histories.tgz q_*/*/seed*/history.csv t_k*/history.csv t_k*.log ) 2>> $OUT/log.txt
