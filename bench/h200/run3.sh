#!/bin/bash
# Third H200 call: the PyTorch peer with TF32 allowed (XLA's default precision), batch 16 and 1024.
cd "$(dirname "$0")"
timeout 100 python3 peers.py --tf32 --cases 64x1x16,64x2x16,64x1x1024,64x2x1024 --out $OUT/peers_tf32.json > /dev/null 2> $OUT/peers_tf32.err
echo "rc $?" >> $OUT/peers_tf32.err
