#!/bin/bash
# Session 7: every generator (--architecture cnn | fno | ffno | fno_vanilla, PtychoPINN's defaults:
# width 32, 12 modes, 4 blocks, 2 refiners; the CNN at n_filters_scale 2) on PtychoPINN's paper protocol
# (scripts/paper_protocol.sh, bench/h200/session6/x1.sh): trained on a 392² 'lines' object with the
# run1084 probe on a 4-px raster (6889 patterns, simulated here on the CPU), gridsize 2, 2048 groups,
# 5 seeds at once in ONE process (study --jobs 5), architectures one after another (each GoMLX/XLA
# process preallocates GPU memory), each seed scored on datasets/lines_run1084probe_N64.npz, which no
# model saw (random positions: session 6 measured the CNN at 0.787 median amplitude SSIM there with
# 50 epochs; rPIE 0.9996 / 0.9775, not re-run here). To fit 6 minutes of GPU: --max_epochs 30 (early
# stopping as default) and 75 s a study (rc 124 in gen.out: it was cut; rerun that one with fewer
# epochs). Time per epoch: history.csv's median over epochs 2..end of each seed (epoch 1 compiles),
# 5 runs sharing the GPU. With .gpu7/nn.test.gz (go test -c -o .gpu7/nn.test ./ptychokit/nn) it also
# times the spectral layers against the 3×3 convolution on XLA (BenchmarkSpectralLayers, ~30 s).
# Usage: gen.sh OUT   (needs .gpu7/ptychokit.gz, .gpu7/run1084_object_probe.npz; writes ≤ 6 files:
# gen.out, gen_ARCH.json, spectral_layers.out). Env for a dry run on a CPU (NGROUPS, not GROUPS: bash
# owns that name): DEVICE=cpu SIZE=100 NGROUPS=8 EPOCHS=2 SEEDS=1-2 LIMIT=300
# EXTRA="--n_filters_scale 0.125 --fno_width 4 --fno_blocks 1".
OUT=$1; W=${WORK:-/tmp/gen7}; mkdir -p $OUT $W
for f in .gpu7/*.gz; do gunzip -c $f > ${f%.gz}; chmod +x ${f%.gz}; done
export PTYCHOKIT_DEVICE=${DEVICE:-gpu} GOPJRT_CUDA_CHECKS=0
B=$PWD/.gpu7/ptychokit P=datasets/lines_run1084probe_N64.npz T=$W/paper_train.npz
R=$OUT/gen.out
date > $R
[ -f $T ] || $B simulate --device cpu --object lines --object_size ${SIZE:-392} --probe .gpu7/run1084_object_probe.npz \
  --positions raster --step 4 --n_images 0 --nphotons 1e9 --seed 40 --save_Y=false --output_file $T 2>&1 | tail -1 >> $R
for arch in cnn fno ffno fno_vanilla; do
  S=$(date +%s)
  timeout ${LIMIT:-75} $B study --output_dir $W/$arch --data $T --test_data_file $P --gridsize 2 --n_groups ${NGROUPS:-2048} \
    --seeds ${SEEDS:-1-5} --jobs 5 --max_epochs ${EPOCHS:-30} --architecture $arch $EXTRA > $W/$arch.out 2> $W/$arch.err
  echo "== $arch rc=$? wall $(( $(date +%s) - S )) s" >> $R
  grep -v "^device" $W/$arch.out >> $R
  for h in $W/$arch/*/seed*/history.csv; do
    awk -F, 'NR==1 {for (i=1;i<=NF;i++) if ($i=="seconds") c=i} NR>2 {print $c}' "$h" | sort -g |
      awk -v f="$h" '{a[NR]=$1} END {if (NR) printf "%s: %d epochs, median epoch %.2f s\n", f, NR+1, a[int((NR+1)/2)]; else print f ": 1 epoch"}'
  done >> $R
  tr '\r' '\n' < $W/$arch.err | grep -iE "error|panic|warning|out of memory" | head -5 >> $R
  cp $W/$arch/study.json $OUT/gen_$arch.json 2>/dev/null
done
if [ -x .gpu7/nn.test ]; then
  timeout 90 .gpu7/nn.test -test.run '^$' -test.bench SpectralLayers -test.benchtime 3x > $OUT/spectral_layers.out 2>&1
  echo "spectral benchmark rc=$?" >> $R
fi
date >> $R
