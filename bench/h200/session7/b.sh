#!/bin/bash
# Session 7, device call B: PtychoPINN's own model at gridsize 2 (call A's run lacked ptycho/debug_parity.py,
# which its reassembly imports), the Siemens star with issue 18's additions (star.sh), and every generator on
# the paper protocol (gen.sh). Files packed in OUT/b.tgz.
OUT=$1; A=/tmp/outB; mkdir -p $A/torch $A/star $A/gen $A/pp
tar -xzf .gpu7/ptychopinn.tar.gz -C $A/pp
timeout 100 python3 bench/ptychopinn_torch.py --repo $A/pp --tf32 --compile --cases 2x16,2x1024 --out $A/torch/ptychopinn_torch_gs2.json > /dev/null 2> $A/torch/err.txt
echo "torch rc $?"; grep -v Traceback $A/torch/err.txt | tail -c 1500
timeout 200 bash bench/h200/session7/star.sh $A/star; echo "star rc $?"
timeout 280 bash bench/h200/session7/gen.sh $A/gen > $A/gen/log.txt 2>&1; echo "gen rc $?"
for f in $A/gen/gen_*.out; do head -30 $f | grep -E "==|amplitude|phase SSIM|collapsed|median epoch" | head -8; done
tar -czf $OUT/b.tgz -C $A --exclude pp .
