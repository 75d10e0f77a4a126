#!/usr/bin/env bash
# Retrains the PtychoPINN model kept in datasets/models/lines_demo, which `make demo`
# fine-tunes on a scan it never saw: gridsize 2, encoder 16-32-64, this build's defaults,
# 30 epochs of 4096 groups of a large simulated 'lines' scan (4096 patterns of a 544×544
# object, seed 31). About a minute with DEVICE=gpu (H200, session 5); many hours on 2 cores.
# Only what inference and --init_from need is kept: config.json, history.csv, best/.
# Usage: datasets/make_demo_model.sh [bin/ptychokit]   (DEVICE=cpu|gpu|auto, default gpu)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${1:-bin/ptychokit}
DEST=datasets/models/lines_demo
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

"$BIN" simulate --device cpu --object lines --object_size 544 --n_images 4096 --seed 31 --save_Y=false \
  --output_file "$WORK/big.npz"
"$BIN" train --train_data_file "$WORK/big.npz" --output_dir "$WORK/run" --gridsize 2 --n_filters_scale 0.5 \
  --n_groups 4096 --max_epochs 30 --early_stop_patience 0 --device "${DEVICE:-gpu}"

# Replace the kept model only once the new one is complete.
rm -rf "$WORK/keep" && mkdir -p "$WORK/keep"
cp -r "$WORK/run/config.json" "$WORK/run/history.csv" "$WORK/run/best" "$WORK/keep/"
mkdir -p "$(dirname "$DEST")"
rm -rf "$DEST.old" && { [ ! -e "$DEST" ] || mv "$DEST" "$DEST.old"; }
mv "$WORK/keep" "$DEST" && rm -rf "$DEST.old"
ls -l "$DEST" "$DEST/best"
