"One rank of the DDP tests: run by `torchrun --nproc_per_node 2 tests/ddp_worker.py OUTDIR` from tests/test_distributed.py"
import sys, warnings
from pathlib import Path
import numpy as np, torch
from fastai.vision.all import *
from balmix.sampling import sampled_dl, QSampling
from balmix.callback import BalancedMixUp
from balmix.tta import flip_tta
from balmix.distributed import init_distrib, ddp_ctx, gather_preds, is_main, DistribDL
from balmix.testing import synth_dls, tiny_cnn

TRAIN_COUNTS, N_VALID, SEED = (200, 30, 10), 61, 1

def ml_labels():
    "Multi-hot labels (N, 3) for the training items: label 0 common, 1 and 2 rare and co-occurring with 0, a few items with none"
    rng = np.random.default_rng(SEED)
    y = (rng.random((sum(TRAIN_COUNTS), 3)) < [0.6, 0.08, 0.04]).astype(np.uint8)
    y[1::2, 2] |= y[1::2, 1]  # co-occurrence
    return y

def data():
    "Train items of classes 0, 1, 2 in `TRAIN_COUNTS`, in a row, then `N_VALID` validation items of random classes"
    return synth_dls(TRAIN_COUNTS, size=8, bs=16, n_valid=N_VALID, noise=0.3, device='cpu')

def model(): return tiny_cnn(3, widths=(4,), bn=True)

def metrics(): return [accuracy, MatthewsCorrCoef(), F1Score(average='macro')]

class Spy(Callback):
    "Record the training loader and the targets of each training batch (after `BalancedMixUp`, before the model)"
    order = 20
    def before_fit(self): self.ys, self.ycs, self.dl_types = [], [], []
    def before_batch(self):
        if not self.training: return
        self.ys.append(self.y.clone())
        if hasattr(self.learn, 'balanced_mix_up'): self.ycs.append(self.balanced_mix_up.y_class.clone())
        self.dl_types.append((type(self.dl).__name__, getattr(self.dl, 'world_size', 1)))

def main(out):
    warnings.filterwarnings('ignore')
    rank, ws = init_distrib()
    res = dict(rank=rank, world_size=ws)
    dls = data()
    sdl = sampled_dl(dls.train, q=0, seed=SEED, rank=rank, world_size=ws)
    res['shares'] = [sdl.get_idxs() for _ in range(3)]
    res['n_batches'] = len(sdl)
    mdl = sampled_dl(dls.train, q=0, seed=SEED, labels=ml_labels(), rank=rank, world_size=ws)  # multi-label: draw a label, then an item
    res['ml_shares'] = [mdl.get_idxs() for _ in range(3)]
    res['seed_none'] = sampled_dl(dls.train, q=0, rank=rank, world_size=ws).seed
    res['plain'] = DistribDL(dls.train.new(shuffle=True)).get_idxs()

    set_seed(rank)
    learn = Learner(dls, model(), metrics=metrics(), path=out, cbs=[BalancedMixUp(0.2), Spy()])
    with ddp_ctx(learn):
        with learn.no_bar(): learn.fit(1, 0.05, cbs=SaveModelCallback(monitor='matthews_corrcoef', fname='best'))
        res['bmu'] = dict(ys=torch.cat(learn.spy.ys), ycs=torch.cat(learn.spy.ycs), seed=learn.balanced_mix_up.sdl.seed,
                          n_iter=len(learn.spy.ys), recorder=learn.recorder.values[-1])
        res['valid'] = learn.validate()
        res['valid60'] = learn.validate(dl=dls.valid.new(n=60))
        res['get_preds'] = learn.get_preds(with_loss=True)
        res['tta'] = flip_tta(learn)
        if is_main(): torch.save(learn.model.state_dict(), Path(out)/'weights.pth')
    res['preds'] = gather_preds(learn)
    learn = Learner(dls, model(), cbs=[QSampling(q=0), Spy()])
    with ddp_ctx(learn), learn.no_bar(), learn.no_logging(): learn.fit(1, 0.05)
    res['qs'] = dict(ys=torch.cat(learn.spy.ys), dl_types=learn.spy.dl_types)
    torch.save(res, Path(out)/f'rank{rank}.pt')
    torch.distributed.destroy_process_group()

if __name__ == '__main__': main(sys.argv[1])
