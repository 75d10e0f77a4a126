#!/bin/bash
# Session 7, call 1 (issue 19): ptychokit's training and inference rates beside two PyTorch peers in
# one call, all with TF32 allowed (XLA's default for float32 convolutions on the H200):
#   bench/peers.py          the same network written for this project;
#   bench/ptychopinn_torch.py  PtychoPINN's own ptycho_torch model (PtychoPINN_Lightning, default
#                           config), its compute_loss + backward + Adam step, and forward_predict
#                           eager and torch.compile'd. The package is carried as .gpu7/ptychopinn.tar.gz
#                           (ptycho_torch/ and ptycho/image/cropping.py of hoidn/PtychoPINN 712c23f).
# Usage: p1.sh OUT
OUT=$1; W=/tmp/p1; mkdir -p $OUT $W/pp
for f in .gpu7/*.gz; do case $f in *.tar.gz) continue;; esac; gunzip -c $f > ${f%.gz}; chmod +x ${f%.gz}; done
tar -xzf .gpu7/ptychopinn.tar.gz -C $W/pp
export PTYCHOKIT_DEVICE=gpu GOPJRT_CUDA_CHECKS=0
B=$PWD/.gpu7/ptychokit
{ nvidia-smi --query-gpu=name,driver_version,clocks.max.sm,memory.total --format=csv
  python3 -c "import torch; print('torch', torch.__version__)"
  for m in lightning tensordict mlflow; do python3 -c "import $m; print('$m', $m.__version__)" 2>&1 | tail -1; done; } > $OUT/env.txt 2>&1
date >> $OUT/env.txt
timeout 200 $B bench --device gpu --cases 64x1x16,64x2x16,64x2x16x4,64x1x1024,64x2x1024 --dft=false --data "" \
  --output_file $OUT/bench.json > $OUT/bench.txt 2> $W/bench.err; echo "rc $?" >> $OUT/bench.txt; tail -5 $W/bench.err >> $OUT/bench.txt
date >> $OUT/env.txt
timeout 120 python3 bench/peers.py --tf32 --cases 64x1x16,64x2x16,64x1x1024,64x2x1024 --out $OUT/peers_tf32.json > /dev/null 2> $W/peers.err; echo "peers rc $?" >> $OUT/env.txt; tail -3 $W/peers.err >> $OUT/env.txt
date >> $OUT/env.txt
timeout 240 python3 bench/ptychopinn_torch.py --repo $W/pp --tf32 --compile --out $OUT/ptychopinn_torch.json > /dev/null 2> $OUT/ptychopinn_torch.err; echo "ptychopinn rc $?" >> $OUT/env.txt
date >> $OUT/env.txt
