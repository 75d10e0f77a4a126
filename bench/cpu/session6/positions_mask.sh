#!/bin/bash
# Session 6, 2 cores, pure Go: position correction and detector masks on a simulated 'lines' scan
# (192² object, 256 random positions, soft-disk probe, 1e9 photons, seed 1), rPIE, scored by eval
# against the error-free scan's truth. Usage: positions_mask.sh [BIN] [DIR]  (~8 minutes)
B=${1:-bin/ptychokit}; D=${2:-out/session6_cpu}; mkdir -p $D
sim() { $B simulate --object lines --object_size 192 --n_images 256 --seed 1 --save_Y=false "$@" | tail -1; }
sim --output_file $D/clean.npz
sim --position_error 2 --output_file $D/err.npz
sim --dead_pixels 0.05 --beam_stop 3 --output_file $D/masked.npz
rec() { local name=$1; shift; $B reconstruct --iterations 60 --output_dir $D/$name "$@" | grep -E "^cost"
  $B eval --reconstruction $D/$name/reconstruction.npz --truth $D/clean.npz --output_dir $D/$name/eval | grep -E "^  amplitude|^      phase"; }
for run in "clean --data $D/clean.npz" "nocorr --data $D/err.npz" "corr --data $D/err.npz --position_correction" \
           "masked --data $D/masked.npz" "unmasked --data $D/masked.npz --ignore_mask"; do
  echo "== $run"; rec $run
done
