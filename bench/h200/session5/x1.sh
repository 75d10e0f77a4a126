#!/bin/bash
# Session 5, call 1: which change lets PtychoPINN leave the flat-object plateau? The full network
# (PtychoPINN's defaults otherwise: 50 epochs, batch 16, early stop 3) with the input standardised,
# Poisson or MAE loss, on lines_N64 (soft disk) and the paper-protocol scan (lines object, run1084
# probe), gridsize 1 and 2, the collapsing seeds 3 and 6; the whole-patch decoder (pad_object false) on the
# paper scan; the Siemens star (N=128), one seed. Ten runs at a time on the one GPU.
# Usage: x1.sh OUT
OUT=$1; W=/tmp/x1; mkdir -p $OUT $W
for f in .gpu5/*.gz; do gunzip -c $f > ${f%.gz}; chmod +x ${f%.gz}; done
export PTYCHOKIT_DEVICE=gpu GOPJRT_CUDA_CHECKS=0
B=$PWD/.gpu5/ptychokit
L=datasets/lines_N64.npz P=datasets/lines_run1084probe_N64.npz S=.gpu5/siemens_star_tike.npz
one() { # name data gridsize seed flags...
  local name=$1 data=$2 gs=$3 seed=$4; shift 4; local d=$W/$name
  rm -rf $d; mkdir -p $d
  timeout 200 $B train --train_data_file $data --output_dir $d/m --gridsize $gs --seed $seed "$@" > $d/train.log 2>&1
  local rc=$?
  timeout 60 $B infer --model_path $d/m --test_data $data --output_dir $d/r > $d/infer.log 2>&1
  local ev=$($B eval --reconstruction $d/r/reconstruction.npz --truth $data 2>&1 | awk '/amplitude|phase /{printf "%s %s ", $1, $5} /complex FRC/{printf "frc50 %s", $4}')
  local h=$(awk -F, 'END{printf "epochs %s val %.4g contrast %.3f phase %.3f", $1, $3, $6, $7}' $d/m/history.csv)
  local best=$(grep -o "best [0-9]*" $d/train.log | head -1)
  echo "$name rc=$rc $h $best | $ev"
}
export -f one; export B W
ARMS=("std|--input_transform standardize" "std_mae|--input_transform standardize --mae_weight 1 --nll_weight 0")
jobs=()
for arm in "${ARMS[@]}"; do a=${arm%%|*}; f=${arm#*|}
  for seed in 3 6; do
    jobs+=("one ${a}_lines_gs2_s$seed $L 2 $seed $f")
    jobs+=("one ${a}_paper_gs2_s$seed $P 2 $seed $f")
    jobs+=("one ${a}_paper_gs1_s$seed $P 1 $seed $f")
  done
done
for seed in 3; do
  jobs+=("one std_full_paper_gs2_s$seed $P 2 $seed --input_transform standardize --pad_object=false")
  jobs+=("one std_full_paper_gs1_s$seed $P 1 $seed --input_transform standardize --pad_object=false")
done
for arm in "${ARMS[@]}"; do a=${arm%%|*}; f=${arm#*|}  # the star: no truth, contrast and loss only
  jobs+=("one ${a}_star_gs2 $S 2 1 --N 128 $f")
done
# XLA autotunes each new graph on the GPU; cold runs started together slow each other ~10x (study
# helper, H200): one run of each graph shape first, alone, then the rest together.
warm=("one std_lines_gs2_s3 $L 2 3 --input_transform standardize" "one std_paper_gs1_s3 $P 1 3 --input_transform standardize"
  "one std_full_paper_gs2_s3 $P 2 3 --input_transform standardize --pad_object=false"
  "one std_full_paper_gs1_s3 $P 1 3 --input_transform standardize --pad_object=false"
  "one std_star_gs2 $S 2 1 --N 128 --input_transform standardize")
for j in "${warm[@]}"; do bash -c "$j"; done | tee $OUT/x1_results.txt
printf '%s\n' "${jobs[@]}" | grep -v -x -F -f <(printf '%s\n' "${warm[@]}") | timeout 240 xargs -P 8 -I{} bash -c '{}' | tee -a $OUT/x1_results.txt
for d in $W/std_star_gs2 $W/std_mae_star_gs2; do echo "== $d"; cat $d/m/history.csv; done
