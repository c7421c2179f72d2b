#!/bin/bash
# PBC-LT, issue 22: LDAM with the cosine head (`ldam`) and LDAM-DRW (`ldam_drw`) on the short schedule of
# ../pbc_lt_short/run.sh and ../pbc_lt_longtail/run.sh (pretrained EfficientNet-Lite0, 64 px, batch 32, 3 epochs,
# seeds 0-4), then instance sampling re-run at this commit for the pairing, one process per dataset with
# OMP_NUM_THREADS=1 (RetinaMNIST's grid ran beside it). Tables: python bench/ldam_tables.py (see its docstring).
export OMP_NUM_THREADS=1
for s in 0 1 2 3 4; do
  /usr/bin/time -f "seed $s: %e s wall" balmix_compare --task generic --data ../shared/data/pbc_lt/labels.csv \
    --archs tf_efficientnet_lite0 --pretrained --size 64 --bs 32 --epochs 3 --methods ldam,ldam_drw --seeds $s --out runs/pbc_ldam
done
for s in 0 1 2 3 4; do
  balmix_compare --task generic --data ../shared/data/pbc_lt/labels.csv \
    --archs tf_efficientnet_lite0 --pretrained --size 64 --bs 32 --epochs 3 --methods instance --seeds $s --out runs/pbc_ldam
done
# ldam_drw re-run at commit 50ad969 (LDAM's loss averaged over the batch's summed class weights, as the official code),
# into its own folder; the tables merge both: balmix_compare --task generic --report runs/pbc_ldam runs/pbc_drw --out OUT
for s in 0 1 2 3 4; do
  balmix_compare --task generic --data ../shared/data/pbc_lt/labels.csv \
    --archs tf_efficientnet_lite0 --pretrained --size 64 --bs 32 --epochs 3 --methods ldam_drw --seeds $s --out runs/pbc_drw
done
