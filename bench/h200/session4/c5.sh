#!/bin/bash
# Solver: the iteration's cost summed on the device, read once an iteration (new) vs read after every
# batch (6268a32), rPIE on the experimental Siemens star (516 patterns of 128²). Usage: c5.sh OUT
OUT=$1; mkdir -p $OUT
for f in .gpu4/*.gz; do gunzip -c $f > ${f%.gz}; chmod +x ${f%.gz}; done
export PTYCHOKIT_DEVICE=gpu GOPJRT_CUDA_CHECKS=0
for b in ptychokit pk_old ptychokit pk_old; do
  echo "== $b"
  timeout 100 .gpu4/$b bench --device gpu --cases 64x2x16 --dft=false --data .gpu4/siemens_star_tike.npz --solver_batches 64,128,256,516 --output_file $OUT/$b.json 2>&1 | grep -E '^\s+rpie|solver'
done
