#!/usr/bin/env bash
# Retrains the PtychoPINN model kept in datasets/models/lines_N64_gs2 (notebook 03
# sets it beside its own quick run): gridsize 2, encoder 16-32-64, 40 epochs of 512
# groups of datasets/lines_N64.npz. About an hour on 2 cores (58 min measured); about a minute with
# DEVICE=gpu. Only what inference needs is kept: config.json, history.csv, best/.
# Usage: datasets/make_model.sh [bin/ptychokit]   (DEVICE=cpu|gpu|auto, default cpu)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${1:-bin/ptychokit}
DEST=datasets/models/lines_N64_gs2
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

"$BIN" train --train_data_file datasets/lines_N64.npz --output_dir "$WORK/run" \
  --gridsize 2 --n_filters_scale 0.5 --batch_size 16 --learning_rate 0.001 \
  --max_epochs 40 --early_stop_patience 0 --n_images 512 --device "${DEVICE:-cpu}"

# Replace the kept model only once the new one is complete.
rm -rf "$WORK/keep" && mkdir -p "$WORK/keep"
cp -r "$WORK/run/config.json" "$WORK/run/history.csv" "$WORK/run/best" "$WORK/keep/"
mkdir -p "$(dirname "$DEST")"
rm -rf "$DEST.old" && { [ ! -e "$DEST" ] || mv "$DEST" "$DEST.old"; }
mv "$WORK/keep" "$DEST" && rm -rf "$DEST.old"
ls -l "$DEST" "$DEST/best"
