#!/usr/bin/env bash
# The main job on the embedded default (pure-Go backend, no GPU, no downloads):
# data -> train PtychoPINN -> reconstruct -> figures and metrics.
# Usage: scripts/demo.sh [bin/ptychokit] [output dir]
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${1:-bin/ptychokit}
OUT=${2:-out/demo}
DATA=${DATA:-datasets/lines_N64.npz}
EPOCHS=${EPOCHS:-8}
# Each run starts afresh (train would otherwise resume from the last run's checkpoints).
rm -rf "$OUT/pinn" "$OUT/pinn_recon" "$OUT/pinn_long" "$OUT/rpie" "$OUT/eval_pinn" "$OUT/eval_pinn_long" "$OUT/eval_rpie"
mkdir -p "$OUT"

echo "== 1/5 data: $DATA"
"$BIN" inspect "$DATA"

echo "== 2/5 train PtychoPINN (small network, $EPOCHS epochs, pure Go)"
"$BIN" train --train_data_file "$DATA" --test_data_file "$DATA" --output_dir "$OUT/pinn" \
  --max_epochs "$EPOCHS" --gridsize 1 --batch_size 8 --learning_rate 0.003 --n_filters_scale 0.25 --device cpu

echo "== 3/5 infer: stitch the object from the trained network, and from the longer-trained one kept in datasets/models"
"$BIN" infer --model_path "$OUT/pinn" --test_data "$DATA" --output_dir "$OUT/pinn_recon" --device cpu
LONG=datasets/models/lines_N64_gs2   # gridsize 2, 40 epochs: about an hour on 2 cores (make model)
"$BIN" infer --model_path "$LONG" --test_data "$DATA" --output_dir "$OUT/pinn_long" --device cpu

echo "== 4/5 iterative baseline: rPIE"
"$BIN" reconstruct --algo rpie --data "$DATA" --iterations 30 --output_dir "$OUT/rpie" --device cpu

echo "== 5/5 evaluate against the ground truth: PtychoPINN ($EPOCHS epochs here), PtychoPINN (longer, $LONG), rPIE"
"$BIN" eval --reconstruction "$OUT/pinn_recon/reconstruction.npz" --truth "$DATA" --output_dir "$OUT/eval_pinn"
"$BIN" eval --reconstruction "$OUT/pinn_long/reconstruction.npz" --truth "$DATA" --output_dir "$OUT/eval_pinn_long"
"$BIN" eval --reconstruction "$OUT/rpie/reconstruction.npz" --truth "$DATA" --output_dir "$OUT/eval_rpie"

echo "figures and files are under $OUT:"
find "$OUT" -name '*.png' | sort
