#!/bin/bash
# Final build on the H200: PtychoPINN defaults (gs2, 50 epochs) end to end; the Siemens star with rPIE, whole and two halves.
B=.gpu/ptychokit; D=.gpu/lines_N64.npz; S=.gpu/siemens_star_tike.npz; W=/tmp/c6; mkdir -p $W
export PTYCHOKIT_DEVICE=gpu GOPJRT_CUDA_CHECKS=0
t() { local s=$(date +%s.%N); "$@"; local rc=$?; echo "   [rc=$rc wall $(awk "BEGIN{printf \"%.1f\", $(date +%s.%N)-$s}") s]"; }
echo "== train defaults gs2"; t $B train --train_data_file $D --output_dir $W/p --gridsize 2 2>/dev/null | grep -E "^(trained|time)"
echo "== infer"; t $B infer --model_path $W/p --test_data $D --output_dir $W/p/rec 2>/dev/null | tail -1
$B eval --reconstruction $W/p/rec/reconstruction.npz --truth $D 2>&1 | grep -E "amplitude  |phase  "
echo "== star rpie 30"; t $B reconstruct --data $S --iterations 30 --output_dir $W/star 2>/dev/null | tail -2
for h in even odd; do echo "== star $h 30"; t $B reconstruct --data $S --iterations 30 --subset $h --output_dir $W/$h 2>/dev/null | tail -2 | head -1; done
$B eval --reconstruction $W/even/reconstruction.npz --truth $W/odd/reconstruction.npz --two_half 2>&1 | tail -3
cp $W/star/object.png $OUT/star_object_gpu.png
