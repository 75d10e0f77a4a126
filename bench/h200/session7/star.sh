#!/bin/bash
# Session 7 (issue 18): the measured Siemens star, two-half FRC50 after 100 rPIE iterations per
# half, with what issue 18 adds, one addition at a time: plain; + position correction; + probe modes
# (2, 3, 4); + both (correction and 3 modes); + correction with the affine constraint. Each line:
# FRC50 and FRC1/7 of the even half against the odd half (eval --two_half), seconds an iteration
# of the even half (after the first, compiling; the two halves run at once on the one GPU), the
# mode powers. Then the whole scan, alone on the GPU, plain and with both, for the time per
# iteration. Needs .gpu7/ptychokit.gz (the lead's build) and .gpu7/siemens_star_tike.npz.
# About 3 minutes on an H200. Usage: star.sh OUT  (a dry run on the CPU: DEV=cpu IT=2 B=bin/ptychokit S=datasets/grf_N32.npz star.sh OUT)
OUT=$1; W=/tmp/star7; mkdir -p $OUT $W
[ -n "$DEV" ] && [ "$DEV" != gpu ] || for f in .gpu7/*.gz; do gunzip -c $f > ${f%.gz}; chmod +x ${f%.gz}; done
export GOPJRT_CUDA_CHECKS=0
B=${B:-$PWD/.gpu7/ptychokit} S=${S:-.gpu7/siemens_star_tike.npz} R=$OUT/star.out DEV=${DEV:-gpu} IT=${IT:-100}
date | tee $R
half() { # name: both halves at once, then their FRC
  local name=$1; shift
  for h in even odd; do
    timeout 120 $B reconstruct --device $DEV --data $S --subset $h --iterations $IT --output_dir $W/$name-$h "$@" \
      > $W/$name-$h.log 2>&1 &
  done; wait
  $B eval --two_half --reconstruction $W/$name-even/reconstruction.npz --truth $W/$name-odd/reconstruction.npz \
    > $W/$name.frc 2>&1
  printf "%-22s FRC50 %s  FRC1/7 %s  %s  %s  %s\n" "$name" \
    "$(awk '/FRC50/ {print $2}' $W/$name.frc)" "$(awk '/FRC 1\/7/ {print $3}' $W/$name.frc)" \
    "$(grep -o '([0-9.]* s/iteration after the first)' $W/$name-even.log)" \
    "$(grep -h 'probe mode powers' $W/$name-even.log)" "$(grep -h '^positions: affine' $W/$name-even.log)" | tee -a $R
  grep -h "error\|rror:" $W/$name-even.log $W/$name-odd.log $W/$name.frc | head -2 | tee -a $R
}
half plain
half position_correction --position_correction
half modes2 --probe_modes 2
half modes3 --probe_modes 3
half modes4 --probe_modes 4
half both_pc_modes3 --position_correction --probe_modes 3
half pc_affine --position_correction --position_affine 1
half pc_affine_modes3 --position_correction --position_affine 1 --probe_modes 3
for name in plain both_pc_modes3; do
  case $name in plain) args=();; *) args=(--position_correction --probe_modes 3);; esac
  timeout 120 $B reconstruct --device $DEV --data $S --iterations $IT --output_dir $W/all-$name "${args[@]}" > $W/all-$name.log 2>&1
  echo "whole scan, $name: $(grep -h '^cost' $W/all-$name.log)" | tee -a $R
done
awk '$2 == "FRC50" { if ($1 == "plain") p = $3; else if (p != "") printf "share of %-20s FRC50 %+.3f of Nyquist over plain rPIE\n", $1, $3 - p }' $R | tee -a $R
date | tee -a $R
