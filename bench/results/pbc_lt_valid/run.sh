#!/bin/bash
# PBC-LT, issue 21's validation-chosen rows: Balanced-MixUp at alpha 0.1/0.2/0.3 on the protocol of
# ../pbc_lt_short/run.sh (pretrained EfficientNet-Lite0, 64 px, batch 32, 3 epochs, seeds 0-4), re-run so
# that every run folder holds its validation scores; one process, OMP_NUM_THREADS=1, beside the RetinaMNIST one. The
# tables merge these runs with ../pbc_lt_ldam's (instance, ldam, ldam_drw, same seeds) by seed:
#   balmix_compare --task generic --report runs/pbc_ldam runs/pbc_bmu --out runs/pbc_valid
export OMP_NUM_THREADS=1
for s in 0 1 2 3 4; do
  /usr/bin/time -f "seed $s: %e s wall" balmix_compare --task generic --data ../shared/data/pbc_lt/labels.csv \
    --archs tf_efficientnet_lite0 --pretrained --size 64 --bs 32 --epochs 3 --methods bmu --alphas 0.1,0.2,0.3 --seeds $s --out runs/pbc_bmu
done
