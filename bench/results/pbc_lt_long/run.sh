#!/bin/bash
# PBC-LT, long schedule: bench/results/pbc_lt_short/run.sh with --epochs 9 (3x longer), everything else the same.
# Run here as 15 jobs (seed x {instance,class,sqrt | bmu | focal,cb,mixup}), two processes at a time, at commit b052bcf (the short grid's).
export OMP_NUM_THREADS=1
for s in 0 1 2 3 4; do
  /usr/bin/time -f "seed $s: %e s wall" balmix_compare --task generic --data ../shared/data/pbc_lt/labels.csv \
    --archs tf_efficientnet_lite0 --pretrained --size 64 --bs 32 --epochs 9 \
    --methods class,instance,sqrt,focal,cb,mixup,bmu --alphas 0.1,0.2,0.3 --seeds $s --out runs/pbc_long
done
# Each method's change from the short schedule, paired by seed:
python bench/pair_grids.py runs/pbc_short runs/pbc_long --labels "3 epochs" "9 epochs" --metrics mcc,macro_f1
