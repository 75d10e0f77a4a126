#!/bin/bash
# Session 7, 2 cores, pure Go: every generator (--architecture cnn | fno | ffno | fno_vanilla) trained
# from scratch on datasets/lines_N64.npz (256 patterns, soft-disk probe, 1e9 photons) at gridsize 2,
# seeds 1-3, scored in place by 'ptychokit study' (as eval scores). CPU sizes: the CNN at
# --n_filters_scale 0.25 (8-16-32), the operators at --fno_width 8 (PtychoPINN's 32 is ~10x slower
# here); 96 groups, batch 8, lr 0.003, 5 epochs, early stopping off — short of convergence: these say
# whether an architecture leaves the flat-object plateau and what an epoch costs, not how good it
# gets. Time per epoch: the median of history.csv's seconds over epochs 2-5 (epoch 1 also builds the
# graphs). Usage: generators.sh [BIN] [DIR]  (~25 minutes)
B=${1:-bin/ptychokit}; D=${2:-out/session7_cpu}; mkdir -p $D
common="--data datasets/lines_N64.npz --gridsize 2 --seeds 1-3 --n_groups 96 --batch_size 8 --learning_rate 0.003
  --max_epochs 5 --early_stop_patience 0"
for arch in cnn fno ffno fno_vanilla; do
  echo "== $arch"
  $B study --output_dir $D/$arch --architecture $arch --n_filters_scale 0.25 --fno_width 8 $common 2>/dev/null |
    grep -vE "^device|^study:"
  for h in $D/$arch/*/seed*/history.csv; do
    awk -F, 'NR==1 {for (i=1;i<=NF;i++) if ($i=="seconds") c=i} NR>2 {print $c}' "$h" | sort -g |
      awk -v f="$h" '{a[NR]=$1} END {printf "%s: median epoch %.1f s\n", f, a[int((NR+1)/2)]}'
  done
done
