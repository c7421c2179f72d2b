#!/bin/bash
# RetinaMNIST, issue 22: LDAM with the cosine head (`ldam`) and LDAM-DRW (`ldam_drw`) on the protocol of
# ../retinamnist_pretrained/run.sh and ../retinamnist_longtail/run.sh (pretrained EfficientNet-Lite0, 64 px, batch 32,
# 5 epochs, seeds 0-4), then instance sampling re-run at this commit for the pairing, one process per dataset with
# OMP_NUM_THREADS=1 (PBC-LT's grid ran beside it). Tables: python bench/ldam_tables.py (see its docstring).
export OMP_NUM_THREADS=1
for s in 0 1 2 3 4; do
  /usr/bin/time -f "seed $s: %e s wall" balmix_compare --task dr --data ../shared/data/retinamnist/retinamnist.npz \
    --archs tf_efficientnet_lite0 --pretrained --size 64 --bs 32 --epochs 5 --methods ldam,ldam_drw --seeds $s --out runs/retina_ldam
done
for s in 0 1 2 3 4; do
  balmix_compare --task dr --data ../shared/data/retinamnist/retinamnist.npz \
    --archs tf_efficientnet_lite0 --pretrained --size 64 --bs 32 --epochs 5 --methods instance --seeds $s --out runs/retina_ldam
done
# ldam_drw re-run at commit 50ad969 (LDAM's loss averaged over the batch's summed class weights, as the official code),
# into its own folder; the tables merge both: balmix_compare --task dr --report runs/retina_ldam runs/retina_drw --out OUT
for s in 0 1 2 3 4; do
  balmix_compare --task dr --data ../shared/data/retinamnist/retinamnist.npz \
    --archs tf_efficientnet_lite0 --pretrained --size 64 --bs 32 --epochs 5 --methods ldam_drw --seeds $s --out runs/retina_drw
done
