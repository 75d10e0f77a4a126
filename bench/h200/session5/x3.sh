#!/bin/bash
# Session 5, call 3: (1) the demo's model: a small PtychoPINN (filters 16-32-64, gridsize 2, this
# build's defaults) trained on a large 'lines' scan, scored on scans it never saw; (2) fresh scans at
# 1e5 and 1e9 photons, lines and grf, 2 seeds, default flags. One stage at a time (cold XLA autotuning). Usage: x3.sh OUT
OUT=$1; W=/tmp/x3; mkdir -p $OUT $W
for f in .gpu5/*.gz; do gunzip -c $f > ${f%.gz}; chmod +x ${f%.gz}; done
export PTYCHOKIT_DEVICE=gpu GOPJRT_CUDA_CHECKS=0
B=$PWD/.gpu5/ptychokit
sim() { $B simulate --device cpu "$@" > /dev/null 2>&1 || echo "simulate $* failed"; }
sim --object lines --object_size 544 --n_images 4096 --seed 31 --save_Y=false --output_file $W/big.npz &
sim --object lines --object_size 192 --n_images 256 --seed 5 --save_Y=false --output_file $W/demo_scan.npz &
for o in lines grf; do for ph in 1e5 1e9; do sim --object $o --n_images 512 --nphotons $ph --seed 21 --save_Y=false --output_file $W/${o}_$ph.npz & done; done
wait; date
timeout 70 $B train --train_data_file $W/big.npz --output_dir $W/demo_model --gridsize 2 --n_filters_scale 0.5 --n_groups 4096 --max_epochs 30 --early_stop_patience 0 > $W/dm.log 2>&1
echo "demo model rc=$?"; tr '\r' '\n' < $W/dm.log | grep -E "^(trained|time)|rror"
for d in $W/demo_scan.npz datasets/lines_N64.npz; do
  $B infer --model_path $W/demo_model --test_data $d --output_dir $W/zs > /dev/null 2>&1
  echo "zero-shot on $d:"; $B eval --reconstruction $W/zs/reconstruction.npz --truth $d | grep -E "SSIM|amplitude|phase  "
done
(cd $W/demo_model && tar czf $OUT/demo_model.tgz config.json history.csv best)
date
timeout 80 $B study --output_dir $W/fresh --data $W/lines_1e5.npz,$W/lines_1e9.npz,$W/grf_1e5.npz,$W/grf_1e9.npz --seeds 1-2 --jobs 4 --gridsize 2 --rpie_iterations 100 2> $W/fresh.err | tee $OUT/S5_fresh.out | grep -v "^ *[0-9]\+ "
date
