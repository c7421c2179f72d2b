#!/bin/bash
# RetinaMNIST, issue 21's validation-chosen rows: Balanced-MixUp at alpha 0.1/0.2/0.3 on the protocol of
# ../retinamnist_pretrained/run.sh (pretrained EfficientNet-Lite0, 64 px, batch 32, 5 epochs, seeds 0-4), re-run so
# that every run folder holds its validation scores; one process, OMP_NUM_THREADS=1, beside the PBC-LT one. The
# tables merge these runs with ../retinamnist_ldam's (instance, ldam, ldam_drw, same seeds) by seed:
#   balmix_compare --task dr --report runs/retina_ldam runs/retina_bmu --out runs/retina_valid
export OMP_NUM_THREADS=1
for s in 0 1 2 3 4; do
  /usr/bin/time -f "seed $s: %e s wall" balmix_compare --task dr --data ../shared/data/retinamnist/retinamnist.npz \
    --archs tf_efficientnet_lite0 --pretrained --size 64 --bs 32 --epochs 5 --methods bmu --alphas 0.1,0.2,0.3 --seeds $s --out runs/retina_bmu
done
