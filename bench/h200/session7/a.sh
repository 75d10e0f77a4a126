#!/bin/bash
# Session 7, device call A: p2.sh (issue 19: bf16, steps a call, PtychoPINN's own model) then io.sh
# (issue 22: the 65 536-pattern scan). Each part's files are packed in OUT/a.tgz.
OUT=$1; A=/tmp/outA; mkdir -p $A/p2 $A/io
timeout 330 bash bench/h200/session7/p2.sh $A/p2; echo "p2 rc $?"
cat $A/p2/log.txt; tail -9 $A/p2/bench.txt
timeout 240 bash bench/h200/session7/io.sh $A/io; echo "io rc $?"
tail -4 $A/io/simulate.txt $A/io/reconstruct.txt; tail -12 $A/io/bench_io.txt
tar -czf $OUT/a.tgz -C $A .
