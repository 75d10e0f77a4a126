#!/usr/bin/env bash
# PtychoPINN's paper protocol, as measured in bench/h200/session6 (x4.sh): a 'lines' object with the
# experimental run1084 probe, trained on one scan and scored on a new object the models never saw,
# scanned alike (a 4-px raster: PtychoPINN's groups have an inner offset of 4 px), 1e9 photons.
#   train: 392×392 object (seed 40), 6889 patterns; test: 256×256 object (seed 41), 2401 patterns.
# Both are simulated into OUT once (~20 s each on 16 cores; 113 and 40 MB, so not kept in datasets/),
# then 'ptychokit study' trains SEEDS seeds at GRIDSIZE on N_GROUPS groups and scores each, with
# rPIE on the test scan beside them. A GPU job: on an H200, 10 seeds at gridsize 2 take ~4 minutes.
# Usage: scripts/paper_protocol.sh [BIN] [OUT] [more study flags]; env GRIDSIZE (2), SEEDS (1-10),
# N_GROUPS (4096), JOBS (5), DEVICE (gpu), SHARED (../shared/datasets: where run1084_object_probe.npz is).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${1:-bin/ptychokit}
OUT=${2:-out/paper}
shift $(( $# < 2 ? $# : 2 ))
PROBE=${SHARED:-../shared/datasets}/run1084_object_probe.npz
if [ ! -f "$PROBE" ]; then
  echo "paper_protocol.sh: $PROBE not found: the experimental probe is needed (set SHARED to its folder)" >&2
  exit 1
fi
mkdir -p "$OUT"
sim() { local file=$1; shift
  [ -f "$file" ] || "$BIN" simulate --device cpu --object lines --probe "$PROBE" --positions raster --step 4 --n_images 0 \
    --nphotons 1e9 --save_Y=false --output_file "$file" "$@"; }
sim "$OUT/train.npz" --object_size 392 --seed 40
sim "$OUT/test.npz" --object_size 256 --seed 41
GS=${GRIDSIZE:-2}
"$BIN" study --device "${DEVICE:-gpu}" --data "$OUT/train.npz" --test_data_file "$OUT/test.npz" \
  --output_dir "$OUT/study_gs$GS" --gridsize "$GS" --n_groups "${N_GROUPS:-4096}" --seeds "${SEEDS:-1-10}" \
  --jobs "${JOBS:-5}" --rpie_iterations 100 "$@"
