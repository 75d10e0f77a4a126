#!/usr/bin/env bash
# Remakes the small canonical datasets in datasets/ exactly (same seeds, same
# bytes) with the project's own simulator. Usage: datasets/make.sh [bin/ptychokit]
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${1:-bin/ptychokit}
SHARED=${SHARED:-../shared/datasets}

# 'lines' object with the soft-disk probe: the default for demos, tests, notebooks.
"$BIN" simulate --object lines --object_size 192 --probe disk --positions random \
  --n_images 256 --N 64 --nphotons 1e9 --seed 1 --save_Y=false --compress --output_file datasets/lines_N64.npz
# A tiny Gaussian-random-field scan for fast tests and teaching.
"$BIN" simulate --object grf --object_size 96 --probe disk --positions raster --step 8 \
  --N 32 --nphotons 1e6 --seed 2 --compress --output_file datasets/grf_N32.npz
# A real object and probe (run1084, an experimental reconstruction) at its real
# scan positions (the first 256), simulated at 1e9 photons.
if [ -f "$SHARED/run1084_object_probe.npz" ]; then
  "$BIN" simulate --object "$SHARED/run1084_object_probe.npz" --probe "$SHARED/run1084_object_probe.npz" \
    --positions "$SHARED/run1084_object_probe.npz" --n_images 256 --N 64 --nphotons 1e9 --seed 3 --save_Y=false \
    --compress --output_file datasets/run1084_N64.npz
  # PtychoPINN's paper protocol: its 'lines' object with the experimental run1084 probe (not
  # centro-symmetric, 28% of its energy outside the central N/2), same scan geometry as lines_N64.
  "$BIN" simulate --object lines --object_size 192 --probe "$SHARED/run1084_object_probe.npz" --positions random \
    --n_images 256 --N 64 --nphotons 1e9 --seed 4 --save_Y=false --compress --output_file datasets/lines_run1084probe_N64.npz
else
  echo "make.sh: $SHARED/run1084_object_probe.npz not found; skipping run1084_N64.npz and lines_run1084probe_N64.npz" >&2
fi
ls -l datasets/*.npz
