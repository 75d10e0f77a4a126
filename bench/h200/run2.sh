#!/bin/bash
# Second H200 call: the solver at larger batches; the PINN at batch 1024 with TF32 off (the peer's precision).
cd "$(dirname "$0")"
P=$(python3 -c "import jax_plugins.xla_cuda13 as m, os; print(os.path.dirname(os.path.dirname(os.path.dirname(m.__file__))))")
export GOMLX_BACKEND="xla:$P/jax_plugins/xla_cuda13/xla_cuda_plugin.so"
export GOMLX_NO_AUTO_INSTALL=1 XLA_FLAGS="--xla_gpu_cuda_data_dir=$P/nvidia"
timeout 70 ./ptychokit bench --device gpu --cases 64x2x16 --data siemens_star_tike.npz --solver_batches 128,256,516 --output_file $OUT/bench_solver.json > $OUT/bench_solver.txt 2>&1
echo "rc $?" >> $OUT/bench_solver.txt
NVIDIA_TF32_OVERRIDE=0 XLA_FLAGS="$XLA_FLAGS --xla_gpu_enable_triton_gemm=false" timeout 70 ./ptychokit bench --device gpu --cases 64x1x1024,64x2x1024 --data siemens_star_tike.npz --solver_batches 128 --output_file $OUT/bench_fp32.json > $OUT/bench_fp32.txt 2>&1
echo "rc $?" >> $OUT/bench_fp32.txt
