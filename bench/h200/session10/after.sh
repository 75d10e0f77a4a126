#!/bin/bash
# Session 10, device call 1, on main after the issue-21 refactor landed: the same measurements as
# bench/h200/session9/before.sh (which ran on fcd71be, before it), so that before_log.txt and this log compare:
#  1. the training step at batch 16 and 1024, gridsize 1 and 2, float32 (TF32), now timed through pinn's production step;
#  2. `train` with PtychoPINN's defaults on lines_N64 end to end (gs1 and gs2);
#  3. `infer` end to end on 65 536 N=64 patterns, and `reconstruct` (rPIE, 6 iterations) on 65 536 128² patterns;
#  4. the Siemens star, two-half FRC50 after 100 rPIE iterations per half, plain and with position correction + 6 modes.
# Usage: after.sh OUT   (binary from .gpu8/ptychokit.gz)
OUT=$1; W=/tmp/s10; mkdir -p $OUT $W
gunzip -c .gpu8/ptychokit.gz > .gpu8/ptychokit; chmod +x .gpu8/ptychokit
export PTYCHOKIT_DEVICE=gpu GOPJRT_CUDA_CHECKS=0
B=$PWD/.gpu8/ptychokit S=.gpu8/siemens_star_tike.npz L=$OUT/log.txt
timed() { local log=$1 limit=$2; shift 2
  timeout "$limit" /usr/bin/time -f "wall %e s, user %U s, sys %S s, peak RSS %M KB, exit %x" "$@" > "$W/$log.raw" 2>&1
  echo "rc=$?" >> "$W/$log.raw"; tr '\r' '\n' < "$W/$log.raw" | grep -v '^\s*$' | tail -8 | sed "s|^|$log: |" >> $L; }
date -u > $L
for rep in 1 2; do
  timeout 150 $B bench --device gpu --cases 64x1x16,64x2x16,64x1x1024,64x2x1024 --precision float32 --dft=false --data "" \
    --output_file $W/bench_f32_$rep.json > $W/bench_f32_$rep.txt 2>&1; echo "bench f32 run $rep rc $?" >> $L; grep -E "N=64" $W/bench_f32_$rep.txt | tail -4 >> $L
done
date -u >> $L
for gs in 1 2; do timed train_gs$gs.txt 60 $B train --train_data_file datasets/lines_N64.npz --gridsize $gs --output_dir $W/m$gs; done
date -u >> $L
timed sim64.txt 60 $B simulate --object lines --N 64 --object_size 1024 --n_images 65536 --seed 3 --save_Y=false --output_file $W/l64.npz
for gs in 2 1; do timed infer_gs$gs.txt 90 $B infer --model_path $W/m$gs --test_data $W/l64.npz --output_dir $W/i$gs; done
rm -f $W/l64.npz
timed sim128_noY.txt 60 $B simulate --object grf --N 128 --n_images 65536 --seed 1 --save_Y=false --output_file $W/g128.npz
timed rec128.txt 60 $B reconstruct --algo rpie --iterations 6 --batch_size 1024 --data $W/g128.npz --output_dir $W/rpie
rm -f $W/g128.npz
date -u >> $L
half() { local name=$1; shift
  for h in even odd; do timeout 100 $B reconstruct --device gpu --data $S --subset $h --iterations 100 --output_dir $W/$name-$h "$@" > $W/$name-$h.log 2>&1 & done; wait
  $B eval --two_half --reconstruction $W/$name-even/reconstruction.npz --truth $W/$name-odd/reconstruction.npz > $W/$name.frc 2>&1
  printf "star %-22s FRC50 %s FRC1/7 %s %s\n" "$name" "$(awk '/FRC50/ {print $2}' $W/$name.frc)" "$(awk '/FRC 1\/7/ {print $3}' $W/$name.frc)" \
    "$(grep -o '([0-9.]* ms/iteration after the first)' $W/$name-even.log)" >> $L; }
half plain
half pc_modes6 --position_correction --probe_modes 6
date -u >> $L
cp $W/bench_f32_*.json $OUT/ 2>/dev/null
( cd $W && tar -czf $OUT/logs.tgz *.txt *.raw *.log *.frc m1/history.csv m2/history.csv 2>/dev/null )
