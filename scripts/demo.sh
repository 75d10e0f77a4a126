#!/usr/bin/env bash
# The main job on the embedded default (pure-Go backend, no GPU, no downloads):
# data -> train PtychoPINN -> reconstruct -> figures and metrics.
#
# On 2 cores a PtychoPINN trained from scratch needs far longer than this demo's
# few minutes (docs/training.md), so the demo fine-tunes the model kept in
# datasets/models/lines_demo (trained once, on a large 'lines' scan, by make model)
# on a new scan it never saw, and compares it with rPIE on the same scan.
# Usage: scripts/demo.sh [bin/ptychokit] [output dir]
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${1:-bin/ptychokit}
OUT=${2:-out/demo}
MODEL=${MODEL:-datasets/models/lines_demo}
EPOCHS=${EPOCHS:-2}
# Each run starts afresh (train would otherwise resume from the last run's checkpoints).
rm -rf "$OUT"/{scan.npz,pinn,pinn_zero_shot,pinn_recon,rpie,eval_pinn,eval_pinn_zero_shot,eval_rpie}
mkdir -p "$OUT"
SCAN=$OUT/scan.npz

echo "== 1/5 data: a new 'lines' scan (256 patterns, soft-disk probe, 1e9 photons; seed 5, not a scan the model saw)"
"$BIN" simulate --object lines --object_size 192 --probe disk --positions random --n_images 256 --N 64 \
  --nphotons 1e9 --seed 5 --save_Y=false --output_file "$SCAN"
"$BIN" inspect "$SCAN"

echo "== 2/5 train: fine-tune $MODEL on the new scan for $EPOCHS epochs (pure Go)"
"$BIN" train --init_from "$MODEL" --train_data_file "$SCAN" --output_dir "$OUT/pinn" \
  --max_epochs "$EPOCHS" --batch_size 8 --device cpu

echo "== 3/5 infer: stitch the object from the fine-tuned network"
"$BIN" infer --model_path "$OUT/pinn" --test_data "$SCAN" --output_dir "$OUT/pinn_recon" --device cpu

echo "== 4/5 iterative baseline: rPIE, 30 iterations"
"$BIN" reconstruct --algo rpie --data "$SCAN" --iterations 30 --output_dir "$OUT/rpie" --device cpu

echo "== 5/5 evaluate against the ground truth: PtychoPINN (fine-tuned), rPIE"
"$BIN" eval --reconstruction "$OUT/pinn_recon/reconstruction.npz" --truth "$SCAN" --output_dir "$OUT/eval_pinn"
"$BIN" eval --reconstruction "$OUT/rpie/reconstruction.npz" --truth "$SCAN" --output_dir "$OUT/eval_rpie"

echo "figures and files are under $OUT:"
find "$OUT" -name '*.png' | sort
