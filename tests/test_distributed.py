"DDP with two CPU processes (gloo) launched by torchrun: class sampling, Balanced-MixUp and gathered validation"
import os, subprocess, sys
from collections import Counter
from pathlib import Path
import numpy as np, pytest, torch
from scipy.stats import chisquare

sys.path.insert(0, str(Path(__file__).parent))
from ddp_worker import data, model, metrics, ml_labels, TRAIN_COUNTS, SEED
from fastai.learner import Learner
from balmix.sampling import sampled_dl
from balmix.distributed import gather_preds
from balmix.tta import flip_tta

WS = 2
LABELS = np.repeat(np.arange(3), TRAIN_COUNTS)

@pytest.fixture(scope='module')
def ranks(tmp_path_factory):
    "Results of both ranks of one `torchrun --nproc_per_node 2` run of ddp_worker.py"
    out = tmp_path_factory.mktemp('ddp')
    env = dict(os.environ, OMP_NUM_THREADS='1', PYTHONWARNINGS='ignore')
    cmd = [sys.executable, '-m', 'torch.distributed.run', '--standalone', f'--nproc_per_node={WS}', str(Path(__file__).parent/'ddp_worker.py'), str(out)]
    p = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert p.returncode==0, p.stdout[-3000:] + p.stderr[-3000:]
    res = [torch.load(out/f'rank{r}.pt', weights_only=False) for r in range(WS)]
    assert [o['rank'] for o in res]==[0, 1] and {o['world_size'] for o in res}=={WS}
    return res, out

def single_learner(out):
    dls = data()
    learn = Learner(dls, model(), metrics=metrics())
    learn.model.load_state_dict(torch.load(out/'weights.pth', weights_only=True))
    return learn

def test_shares_rebuild_single_process_draw(ranks):
    res, _ = ranks
    single = sampled_dl(data().train, q=0, seed=SEED)
    for epoch in range(3):
        shares = [o['shares'][epoch] for o in res]
        assert len(shares[0])==len(shares[1])==-(-len(LABELS)//WS)
        draw = single.get_idxs()
        padded = draw + draw[:len(shares[0])*WS - len(draw)]
        # rank r holds positions r, r+WS, ... of the padded global draw: disjoint, and together exactly the draw
        assert [shares[k%WS][k//WS] for k in range(len(padded))]==padded
        assert sum(map(Counter, shares), Counter())==Counter(padded)
    assert res[0]['n_batches']==res[1]['n_batches']

def test_multilabel_shares_rebuild_single_process_draw(ranks):
    "Multi-hot labels: each rank keeps every second item of the single process's label-then-item draw, and the union draws labels uniformly"
    res, _ = ranks
    Y = ml_labels()
    single = sampled_dl(data().train, q=0, seed=SEED, labels=Y)
    assert single.multilabel and len(single.counts)==4  # three labels and the no-label group
    groups = []
    for epoch in range(3):
        shares = [list(o['ml_shares'][epoch]) for o in res]
        draw, cls = single.global_idxs(epoch, groups=True)
        assert [shares[k%WS][k//WS] for k in range(len(draw))]==list(draw)
        groups.append(cls)
    # the group each item was drawn for is uniform over the 4 groups (q = 0), though label 0 is ~10x commoner than 2
    assert chisquare(np.bincount(np.concatenate(groups), minlength=4)).pvalue > 0.01
    union = np.concatenate([np.concatenate(o['ml_shares']) for o in res])
    assert Y[union][:, 2].mean() > 3*Y[:, 2].mean()  # rare label 2 is drawn far more often than its share of the items

def test_union_is_class_balanced(ranks):
    res, _ = ranks
    union = np.concatenate([np.concatenate(o['shares']) for o in res])
    freq = np.bincount(LABELS[union], minlength=3)
    assert chisquare(freq).pvalue > 0.01, freq
    assert chisquare(np.bincount(LABELS)).pvalue < 1e-6  # the data itself is far from uniform

def test_random_seed_shared(ranks):
    res, _ = ranks
    assert res[0]['seed_none']==res[1]['seed_none']
    assert res[0]['bmu']['seed']==res[1]['bmu']['seed']

def test_plain_shuffled_loader_split(ranks):
    "A shuffled fastai loader is split into disjoint halves of rank 0's order (broadcast over gloo)"
    res, _ = ranks
    a, b = res[0]['plain'], res[1]['plain']
    assert len(a)==len(b) and not set(a)&set(b) and sorted(a+b)==list(range(len(LABELS)))
    assert a+b!=sorted(a+b)

def test_balanced_mixup_run(ranks):
    res, _ = ranks
    b0, b1 = res[0]['bmu'], res[1]['bmu']
    assert b0['n_iter']==b1['n_iter']==len(LABELS)//WS//16
    assert b0['recorder']==b1['recorder'] and np.isfinite(b0['recorder']).all()
    ycs = torch.cat([b0['ycs'], b1['ycs']]).numpy()
    assert chisquare(np.bincount(ycs, minlength=3)).pvalue > 0.01, np.bincount(ycs)

def test_qsampling_run(ranks):
    res, _ = ranks
    for o in res: assert set(o['qs']['dl_types'])=={('SampledDL', WS)}
    assert len(res[0]['qs']['ys'])==len(res[1]['qs']['ys'])
    ys = torch.cat([o['qs']['ys'] for o in res]).numpy()
    assert chisquare(np.bincount(ys, minlength=3)).pvalue > 0.01, np.bincount(ys)

def test_gathered_validation_equals_single_process(ranks):
    res, out = ranks
    learn = single_learner(out)
    with learn.no_bar(), learn.no_logging():
        v61, v60 = learn.validate(), learn.validate(dl=learn.dls.valid.new(n=60))
        p, t = learn.get_preds()
    tta = flip_tta(learn)
    with learn.no_bar(): pl = learn.get_preds(with_loss=True)
    for o in res:
        # get_preds and flip_tta under ddp_ctx gather all 61 items, in dataset order, on every rank
        for a, b in zip(o['get_preds'], pl): torch.testing.assert_close(a, b)
        for a, b in zip(o['tta'], tta): torch.testing.assert_close(a, b)
        # MCC and macro-F1 (AccumMetric) are gathered exactly over the 61 items; the loss and accuracy average
        # per-batch means, exact when the set splits evenly (60 items)
        np.testing.assert_allclose(o['valid'][2:], v61[2:], rtol=1e-6)
        np.testing.assert_allclose(o['valid60'], v60, rtol=1e-5)
        assert o['bmu']['recorder'][1:]==o['valid']
        torch.testing.assert_close(o['preds'][0], p)
        assert (o['preds'][1]==t).all()
    np.testing.assert_allclose(gather_preds(learn)[0], p)
    assert (out/'models'/'best.pth').exists()  # SaveModelCallback: saved by rank 0, loaded by both at the end

EXIT_SCRIPT = '''
import atexit, os, sys, torch
out = sys.argv[1]
def report(): open(f"{out}/rank{os.environ['RANK']}.txt", 'w').write(str(torch.distributed.is_initialized()))
atexit.register(report)  # registered first, so it runs after init_distrib's handler (atexit is last-in first-out)
from balmix.distributed import init_distrib
init_distrib()
t = torch.ones(1); torch.distributed.all_reduce(t); assert t.item()==2
'''

def test_init_distrib_leaves_group_at_exit(tmp_path):
    "A script that calls `init_distrib` and never destroys its group has it destroyed at exit, before teardown"
    (tmp_path/'s.py').write_text(EXIT_SCRIPT)
    cmd = [sys.executable, '-m', 'torch.distributed.run', '--standalone', f'--nproc_per_node={WS}', str(tmp_path/'s.py'), str(tmp_path)]
    p = subprocess.run(cmd, env=dict(os.environ, OMP_NUM_THREADS='1'), capture_output=True, text=True, timeout=120)
    assert p.returncode==0, p.stderr[-3000:]
    assert [(tmp_path/f'rank{r}.txt').read_text() for r in range(WS)]==['False']*WS
