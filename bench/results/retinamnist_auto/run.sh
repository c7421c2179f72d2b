#!/bin/bash
# Issue 21: the earlier grids' methods re-trained with their run folders kept, so that auto[valid] chooses among
# them too. Same protocol as ../retinamnist_pretrained/run.sh and ../pbc_lt_short/run.sh (pretrained
# EfficientNet-Lite0, 64 px, batch 32; RetinaMNIST 5 epochs, PBC-LT 3 epochs; seeds 0-4), one process,
# OMP_NUM_THREADS=1, beside the RFMiD grid (../rfmid/run.sh), code at commit 6f44382.
# First pass, both sets: class, sqrt, la. Second pass, RetinaMNIST only (the CPU time of the session): the rest.
# bsm is not re-run: it is la's loss (balanced softmax = logit adjustment with tau 1), identical in the earlier grids.
# Tables: every grid of the same packages merged by seed:
#   balmix_compare --task dr --report runs/retina_ldam runs/retina_drw runs/retina_bmu runs/retina21 --out runs/retina_auto
#   balmix_compare --task generic --report runs/pbc_ldam runs/pbc_drw runs/pbc_bmu runs/pbc21 --out runs/pbc_auto
export OMP_NUM_THREADS=1
R="--archs tf_efficientnet_lite0 --pretrained --size 64 --bs 32"
for s in 0 1 2 3 4; do
  /usr/bin/time -f "retina seed $s: %e s wall" balmix_compare --task dr --data ../shared/data/retinamnist/retinamnist.npz \
    $R --epochs 5 --methods class,sqrt,la --seeds $s --out runs/retina21
  /usr/bin/time -f "pbc seed $s: %e s wall" balmix_compare --task generic --data ../shared/data/pbc_lt/labels.csv \
    $R --epochs 3 --methods class,sqrt,la --seeds $s --out runs/pbc21
done
for s in 0 1 2 3 4; do
  /usr/bin/time -f "retina seed $s rest: %e s wall" balmix_compare --task dr --data ../shared/data/retinamnist/retinamnist.npz \
    $R --epochs 5 --methods focal,cb,mixup,tau_norm,crt,bcm --seeds $s --out runs/retina21
done
