#!/bin/bash
# RetinaMNIST: the paper's rows + fastai MixUp, pretrained EfficientNet-Lite0, images resized 28 -> 64 px, one seed per invocation
# (run here as two processes at a time with OMP_NUM_THREADS=1, code at commit b052bcf; the tables were then re-written
#  from the runs' metrics.json by balmix.experiments.write_results at the commit that added the calibration table)
export OMP_NUM_THREADS=1
for s in 0 1 2 3 4; do
  /usr/bin/time -f "seed $s: %e s wall" balmix_compare --task dr --data ../shared/data/retinamnist/retinamnist.npz \
    --archs tf_efficientnet_lite0 --pretrained --size 64 --bs 32 --epochs 5 \
    --methods class,instance,sqrt,focal,cb,mixup,bmu --alphas 0.1,0.2,0.3 --seeds $s --out runs/retina
done
