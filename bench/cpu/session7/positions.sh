#!/bin/bash
# Session 7, 2 cores, pure Go: position correction (damped Gauss–Newton step) and the affine
# constraint on simulated scans (192² object, 256 random positions, soft-disk probe, 1e9 photons,
# seed 1): 'grf' (texture everywhere) and 'lines' (the session-6 scan: blank stretches between
# the lines), positions off by up to ±2 px, and a global 1 % scale error alone and with the ±2 px.
# rPIE, probe refined; bench/cpu/session7/positions (Go) reports, every 25 (or 20) iterations, the
# object's SSIM against the truth (as eval scores) and the positions' distance to the truth after
# removing the mean offset. Usage: positions.sh [BIN] [DIR]  (~40 minutes)
B=${1:-bin/ptychokit}; D=${2:-out/session7_positions}; mkdir -p $D
go build -o $D/positions ./bench/cpu/session7/positions || exit 1
for o in grf lines; do
  sim() { $B simulate --object $o --object_size 192 --n_images 256 --seed 1 --save_Y=false "$@" | tail -1; }
  sim --output_file $D/${o}_clean.npz
  sim --position_error 2 --output_file $D/${o}_err.npz
  sim --position_error 2 --position_scale 1.01 --output_file $D/${o}_scale.npz
  sim --position_scale 1.01 --output_file $D/${o}_scaleonly.npz
done
p() { echo "== $*"; $D/positions "$@" 2>&1; }
p --data $D/grf_clean.npz --truth $D/grf_clean.npz --correct=false --iterations 100 --every 50
p --data $D/grf_err.npz --truth $D/grf_clean.npz --iterations 100 --every 25
p --data $D/grf_scale.npz --truth $D/grf_clean.npz --iterations 100 --every 25
p --data $D/grf_scale.npz --truth $D/grf_clean.npz --iterations 100 --every 25 --affine 0.5
p --data $D/grf_scaleonly.npz --truth $D/grf_clean.npz --iterations 60 --every 20
p --data $D/grf_scaleonly.npz --truth $D/grf_clean.npz --iterations 60 --every 20 --affine 1
p --data $D/lines_clean.npz --truth $D/lines_clean.npz --correct=false --iterations 100 --every 50
p --data $D/lines_err.npz --truth $D/lines_clean.npz --iterations 100 --every 25 --worst 12
