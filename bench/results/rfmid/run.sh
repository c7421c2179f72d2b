#!/bin/bash
# RFMiD-64 (../shared/data/rfmid/rfmid64.npz: 949/295/296 fundus images, 45 labels, multi-label), issue 19's evidence:
# pretrained EfficientNet-Lite0, 64 px, batch 32, 10 epochs, seeds 0-4, one process, OMP_NUM_THREADS=1.
# Three grids, paired by seed and merged into one table:
#   balmix_compare --task multilabel --report runs/rfmid runs/rfmid_asl runs/rfmid_labce --out runs/rfmid_all
export OMP_NUM_THREADS=1
D=../shared/data/rfmid/rfmid64.npz
C="balmix_compare --task multilabel --data $D --archs tf_efficientnet_lite0 --pretrained --size 64 --bs 32 --epochs 10"
for s in 0 1 2 3 4; do
  /usr/bin/time -f "seed $s bce: %e s wall" $C --methods instance,class,sqrt,bmu,mixup --alphas 0.1,0.2,0.3 --seeds $s --out runs/rfmid
  /usr/bin/time -f "seed $s asl: %e s wall" $C --methods instance,bmu --alphas 0.2 --loss asl --seeds $s --out runs/rfmid_asl
  /usr/bin/time -f "seed $s la_bce: %e s wall" $C --methods instance --loss la_bce --seeds $s --out runs/rfmid_labce
done
