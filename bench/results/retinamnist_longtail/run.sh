#!/bin/bash
# RetinaMNIST, issue 11's methods beside the paper's rows: same protocol as ../retinamnist_pretrained/run.sh
# (pretrained EfficientNet-Lite0, 64 px, batch 32, 5 epochs, seeds 0-4), run here at commit 9678dc0, two processes
# at a time with OMP_NUM_THREADS=1. The paper's rows (and the instance baseline) are the runs of ../retinamnist_pretrained
# (commit b052bcf; instance runs re-run at 9678dc0 gave identical test scores on seeds 0-4). The tables were written by
#   python -c "from balmix.experiments import write_results; write_results('runs/retina_all', 'dr')"
# over a folder holding both grids' run folders (metrics.json and preds.csv of each run).
export OMP_NUM_THREADS=1
for s in 0 1 2 3 4; do
  balmix_compare --task dr --data ../shared/data/retinamnist/retinamnist.npz --archs tf_efficientnet_lite0 --pretrained \
    --size 64 --bs 32 --epochs 5 --methods instance,la,bsm,ldam,bcm,crt,tau_norm --seeds $s --out runs/retina_new
  balmix_compare --task dr --data ../shared/data/retinamnist/retinamnist.npz --archs tf_efficientnet_lite0 --pretrained \
    --size 64 --bs 32 --epochs 5 --methods bmu --alphas 0.2 --loss la --seeds $s --out runs/retina_new
done
