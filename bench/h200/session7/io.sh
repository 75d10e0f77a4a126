#!/bin/bash
# Session 7, issue 22 (big scans end to end): the 65 536-pattern 128² grf scan on one H200 —
# `simulate` wall time, `reconstruct --algo rpie --iterations 6` wall time (batch 1024, as the issue
# measured 121 s / 191 s), then `bench --io` at 1 024, 4 096 and 16 384 patterns (stored files) and
# 16 384 deflated (--compress). Targets: reconstruct <= 15 s, simulate <= 30 s.
# Usage: io.sh OUT   (binaries from .gpu7/*.gz; six files land in OUT; about 3-4 minutes)
set -u
OUT=$1; W=/tmp/io7; mkdir -p "$OUT" $W
for f in .gpu7/*.gz; do gunzip -c "$f" > "${f%.gz}"; chmod +x "${f%.gz}"; done
export PTYCHOKIT_DEVICE=gpu GOPJRT_CUDA_CHECKS=0
B=$PWD/.gpu7/ptychokit S=$W/grf65536.npz
# GNU time gives the peak resident memory (the 1.3 x diffraction target); bash's time otherwise.
timed() { local log=$1 limit=$2; shift 2
  if [ -x /usr/bin/time ]; then timeout "$limit" /usr/bin/time -f "wall %e s, user %U s, sys %S s, peak RSS %M KB, exit %x" "$@" > "$log.raw" 2>&1
  else { TIMEFORMAT="wall %R s, user %U s, sys %S s"; time timeout "$limit" "$@" > "$log.raw" 2>&1; } 2>> "$log.raw"; fi
  echo "rc=$?" >> "$log.raw"; tr '\r' '\n' < "$log.raw" | grep -v '^\s*$' | tail -25 > "$OUT/$log"; }
{ date -u; nproc; free -g | head -2; df -h $W | tail -1; nvidia-smi --query-gpu=name,memory.total --format=csv,noheader; } > "$OUT/env.txt" 2>&1

timed simulate.txt 100 $B simulate --object grf --N 128 --n_images 65536 --seed 1 --output_file $S
ls -l $S >> "$OUT/simulate.txt" 2>&1
timed reconstruct.txt 80 $B reconstruct --algo rpie --iterations 6 --batch_size 1024 --data $S --output_dir $W/rpie
rm -f $S
timed bench_io.txt 90 $B bench --io --io_patterns 1024,4096,16384 --io_iterations 3 --io_batch_size 1024 --io_dir $W \
  --output_file "$OUT/bench_io.json"
timed bench_io_deflated.txt 50 $B bench --io --compress --io_patterns 16384 --io_iterations 2 --io_batch_size 1024 --io_dir $W \
  --output_file $W/bench_io_deflated.json
rm -rf $W
date -u >> "$OUT/env.txt"
