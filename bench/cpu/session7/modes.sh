#!/bin/bash
# Session 7, 2 cores, pure Go: the mixed-state probe on a simulated partially coherent scan
# ('lines' 192², 256 random positions, soft-disk probe, 1e9 photons, seed 1; three incoherent
# modes with powers 0.7, 0.2, 0.1 made from the probe and copies shifted by 2 px), rPIE with 1
# and 3 probe modes, scored by eval against the truth. Usage: modes.sh [BIN] [DIR] [ITERATIONS]
B=${1:-bin/ptychokit}; D=${2:-out/session7_modes}; IT=${3:-100}; mkdir -p $D
$B simulate --object lines --object_size 192 --n_images 256 --seed 1 --save_Y=false \
   --mode_powers 0.7,0.2,0.1 --output_file $D/modes.npz | tail -1
for m in 1 3; do
  echo "== --probe_modes $m, $IT iterations"
  $B reconstruct --data $D/modes.npz --iterations $IT --probe_modes $m --output_dir $D/m$m | grep -E "^cost|^probe mode"
  $B eval --reconstruction $D/m$m/reconstruction.npz --truth $D/modes.npz | grep -E "^  amplitude|^      phase"
done
