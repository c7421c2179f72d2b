#!/bin/bash
# PBC-LT, short schedule: the paper's rows + fastai MixUp, pretrained EfficientNet-Lite0 at 64 px, seeds one at a time
export OMP_NUM_THREADS=1
for s in 0 1 2 3 4; do
  /usr/bin/time -f "seed $s: %e s wall" balmix_compare --task generic --data ../shared/data/pbc_lt/labels.csv \
    --archs tf_efficientnet_lite0 --pretrained --size 64 --bs 32 --epochs 3 \
    --methods class,instance,sqrt,focal,cb,mixup,bmu --alphas 0.1,0.2,0.3 --seeds $s --out runs/pbc_short
done
