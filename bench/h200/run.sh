#!/bin/bash
# One H200 call: ptychokit bench (GPU) and the PyTorch peer (eager, compiled).
cd "$(dirname "$0")"
P=$(python3 -c "import jax_plugins.xla_cuda13 as m, os; print(os.path.dirname(os.path.dirname(os.path.dirname(m.__file__))))")
export GOMLX_BACKEND="xla:$P/jax_plugins/xla_cuda13/xla_cuda_plugin.so"
export GOMLX_NO_AUTO_INSTALL=1 XLA_FLAGS="--xla_gpu_cuda_data_dir=$P/nvidia"
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv > $OUT/smi.txt 2>&1
C=64x1x16,64x2x16,64x1x1024,64x2x1024
timeout 125 ./ptychokit bench --device gpu --cases $C,64x2x16x4 --data siemens_star_tike.npz --solver_batches 64,128 --output_file $OUT/bench.json > $OUT/bench.txt 2>&1
echo "bench rc $?" >> $OUT/bench.txt
timeout 45 python3 peers.py --cases $C --star siemens_star_tike.npz --out $OUT/peers_eager.json > /dev/null 2> $OUT/peers.err
echo "eager rc $?" >> $OUT/peers.err
timeout 80 python3 peers.py --compile --cases 64x1x16,64x2x1024,64x2x16,64x1x1024 --out $OUT/peers_compiled.json > /dev/null 2>> $OUT/peers.err
echo "compiled rc $?" >> $OUT/peers.err
