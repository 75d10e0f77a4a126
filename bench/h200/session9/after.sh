#!/bin/bash
# Session 9, device call 2, after the streaming infer and the copy-free measured tensor of reconstruct (issue 22):
#  infer of 65 536 N=64 patterns end to end (gs2 with the repository's model, gs1 with a model trained here), peak RSS;
#  reconstruct of the 65 536-pattern 128² grf scan (rPIE, 6 iterations, batch 1024), peak RSS;
#  rPIE on the whole Siemens star, 100 iterations, time an iteration (issue 19).
# Usage: after.sh OUT   (binary from .gpu8/ptychokit.gz)
OUT=$1; W=/tmp/s9; mkdir -p $OUT $W
gunzip -c .gpu8/ptychokit.gz > .gpu8/ptychokit; chmod +x .gpu8/ptychokit
export PTYCHOKIT_DEVICE=gpu GOPJRT_CUDA_CHECKS=0
B=$PWD/.gpu8/ptychokit S=.gpu8/siemens_star_tike.npz L=$OUT/log.txt
timed() { local log=$1 limit=$2; shift 2
  timeout "$limit" /usr/bin/time -f "wall %e s, user %U s, sys %S s, peak RSS %M KB, exit %x" "$@" > "$W/$log.raw" 2>&1
  echo "rc=$?" >> "$W/$log.raw"; tr '\r' '\n' < "$W/$log.raw" | grep -v '^\s*$' | tail -5 | sed "s|^|$log: |" >> $L; }
date -u > $L
timed train_gs1.txt 60 $B train --train_data_file datasets/lines_N64.npz --gridsize 1 --output_dir $W/m1
timed sim64.txt 60 $B simulate --object lines --N 64 --object_size 1024 --n_images 65536 --seed 3 --save_Y=false --output_file $W/l64.npz
timed infer_gs2.txt 90 $B infer --model_path datasets/models/lines_N64_gs2 --test_data $W/l64.npz --output_dir $W/i2
timed infer_gs2_b4096.txt 90 $B infer --model_path datasets/models/lines_N64_gs2 --test_data $W/l64.npz --output_dir $W/i2b --batch_size 4096
timed infer_gs1.txt 90 $B infer --model_path $W/m1 --test_data $W/l64.npz --output_dir $W/i1
rm -f $W/l64.npz
date -u >> $L
timed sim128_noY.txt 60 $B simulate --object grf --N 128 --n_images 65536 --seed 1 --save_Y=false --output_file $W/g128.npz
ls -l $W/g128.npz >> $L
timed rec128.txt 60 $B reconstruct --algo rpie --iterations 6 --batch_size 1024 --data $W/g128.npz --output_dir $W/rpie
rm -f $W/g128.npz
timed star_rpie.txt 60 $B reconstruct --algo rpie --iterations 100 --data $S --output_dir $W/star
date -u >> $L
( cd $W && tar -czf $OUT/logs.tgz *.raw m1/history.csv i1/stitch.json i2/stitch.json 2>/dev/null )
