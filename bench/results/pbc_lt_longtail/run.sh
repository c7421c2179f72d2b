#!/bin/bash
# PBC-LT, short schedule (3 epochs), issue 11's methods beside the paper's rows: same protocol as ../pbc_lt_short/run.sh
# (pretrained EfficientNet-Lite0, 64 px, batch 32, seeds 0-4), run here at commit 9678dc0, two processes at a time with
# OMP_NUM_THREADS=1. The paper's rows and the instance baseline are the runs of ../pbc_lt_short (commit b052bcf; on
# RetinaMNIST the instance runs of the two commits gave identical test scores). The tables were written by
#   python -c "from balmix.experiments import write_results; write_results('runs/pbc_all', 'generic')"
# over a folder holding both grids' run folders (metrics.json and preds.csv of each run).
export OMP_NUM_THREADS=1
for s in 0 1 2 3 4; do
  balmix_compare --task generic --data ../shared/data/pbc_lt/labels.csv --archs tf_efficientnet_lite0 --pretrained \
    --size 64 --bs 32 --epochs 3 --methods la,bsm,ldam,bcm,crt,tau_norm --seeds $s --out runs/pbc_new
  balmix_compare --task generic --data ../shared/data/pbc_lt/labels.csv --archs tf_efficientnet_lite0 --pretrained \
    --size 64 --bs 32 --epochs 3 --methods bmu --alphas 0.2 --loss la --seeds $s --out runs/pbc_new
done
