"Multi-label (issue 19) end to end: the three on-disk formats, `balmix_train --task multilabel`, its scores against scikit-learn, `balmix_predict`, `balmix_compare`, bad input"
import json, os, subprocess, sys, warnings
from pathlib import Path
import numpy as np, pandas as pd, pytest
from sklearn.metrics import average_precision_score
from balmix.testing import fake_multilabel, class_images, save_image, shared_data
from balmix.data import load_table, table_vocab, table_multihot, table_dls, load_ml_table

BIN = Path(sys.executable).parent
ENV = dict(os.environ, OMP_NUM_THREADS='1')
TINY = ['--arch', 'test_efficientnet', '--epochs', '1', '--size', '32', '--bs', '8', '--n_boot', '20']
PREDICT = "from balmix.cli import balmix_predict\nbalmix_predict()\n"  # the console script, until the package is reinstalled

def run(cmd, *args, cwd=None):
    return subprocess.run([str(BIN/cmd), *map(str, args)], env=ENV, cwd=cwd, capture_output=True, text=True, timeout=600)

def pipe_csv(path, n=48):
    "A CSV of PNG files with a `Finding Labels` column of `|`-separated names, NIH style ('No Finding': none)"
    rng = np.random.default_rng(0)
    Y = (rng.random((n, 3)) < [0.5, 0.3, 0.25]).astype(int)
    for i,im in enumerate(class_images(Y @ [1, 2, 4], 16, rng)): save_image(im, path/'ims'/f'im{i}.png')
    names = np.array(['Effusion', 'Mass', 'Nodule'], dtype=object)
    fl = ['|'.join(names[y==1]) or 'No Finding' for y in Y]
    split = ['train']*(n//2) + ['val']*(n//4) + ['test']*(n-n//2-n//4)
    pd.DataFrame({'Image Index': [f'ims/im{i}.png' for i in range(n)], 'Finding Labels': fl, 'split': split}).to_csv(path/'labels.csv', index=False)
    return path/'labels.csv', Y

def test_npz_reader_drops_labels_without_training_positive(tmp_path):
    fn = fake_multilabel(tmp_path/'ml.npz', freqs=(0.5, 0.3, 0.2, 0.))
    with pytest.warns(UserWarning, match=r"Left out 1 of 4 labels with no training positive .*: L3: 0"):
        t = load_table('multilabel', fn)
    d = np.load(fn)
    assert table_vocab(t)==['L0', 'L1', 'L2'] and t.attrs['dropped_labels']=={'L3': 0}
    np.testing.assert_array_equal(table_multihot(t), np.concatenate([d[f'{k}_labels'] for k in ('train', 'val', 'test')])[:, :3])

def test_pipe_csv_and_zero_one_csv(tmp_path):
    fn, Y = pipe_csv(tmp_path)
    t = load_table('multilabel', fn, no_finding='No Finding')
    assert table_vocab(t)==['Effusion', 'Mass', 'Nodule'] and t.attrs['dropped_labels']=={}
    np.testing.assert_array_equal(table_multihot(t), Y)
    assert t.split.value_counts().to_dict()=={'train': 24, 'valid': 12, 'test': 12}
    cols = pd.DataFrame({'image': [f'ims/im{i}.png' for i in range(len(Y))], 'effusion': Y[:, 0], 'mass': Y[:, 1], 'nodule': Y[:, 2]})
    cols.to_csv(tmp_path/'cols.csv', index=False)
    z = load_table('multilabel', tmp_path/'cols.csv', label_cols='mass,nodule')
    assert table_vocab(z)==['mass', 'nodule'] and set(z.split)=={'train', 'valid'}  # no split column: drawn on ml_strata
    np.testing.assert_array_equal(table_multihot(z), Y[:, 1:])

def test_class_aware_sampling_refuses_a_label_without_training_positive(tmp_path):
    from balmix.learner import make_learner
    t = load_ml_table(fake_multilabel(tmp_path/'ml.npz', n=(16, 8, 8), freqs=(0.5, 0.)), drop_untrained=False)
    learn = make_learner(table_dls(t, size=8, bs=8, num_workers=0), 'class', task='multilabel', path=tmp_path)
    with pytest.raises(ValueError, match=r"Label 1 \('L1'\) has no positive training item"), learn.no_bar(): learn.fit(1)

@pytest.fixture(scope='module')
def ml_run(tmp_path_factory):
    "One tiny multi-label run from a `|`-label CSV of image files"
    tmp = tmp_path_factory.mktemp('mlrun')
    fn, Y = pipe_csv(tmp)
    p = run('balmix_train', '--task', 'multilabel', '--data', fn, '--no_finding', 'No Finding', '--method', 'bmu', '--out', tmp/'run', *TINY)
    assert p.returncode==0, p.stderr[-3000:]
    return tmp, p, Y

def test_train_scores_match_sklearn(ml_run):
    tmp, p, Y0 = ml_run
    m = json.loads((tmp/'run'/'metrics.json').read_text())
    pr = pd.read_csv(tmp/'run'/'preds.csv', keep_default_na=False)
    vocab = m['vocab']
    Y = np.array([[v in s.split('|') for v in vocab] for s in pr.label], dtype=int)
    P = pr[[f'p_{v}' for v in vocab]].to_numpy()
    has = Y.any(0)
    assert m['monitor']=='map' and m['config']['loss']=='bce' and m['config']['method']=='bmu'
    assert m['test']['scores']['map'] == pytest.approx(average_precision_score(Y[:, has], P[:, has], average='macro'))
    for k,v in enumerate(vocab):
        if has[k]: assert m['test']['per_label_ap'][v] == pytest.approx(average_precision_score(Y[:, k], P[:, k]))
    thr = np.array([m['test']['thresholds'][v] for v in vocab])
    assert list(pr.pred)==['|'.join(np.array(vocab)[r]) for r in P>=thr]
    assert m['config']['train_counts']==Y0[:24].sum(0).tolist()  # positives per label of the training rows
    assert json.loads((tmp/'run'/'model.json').read_text())['thresholds']==m['test']['thresholds']
    assert (tmp/'run'/'per_label_ap.png').exists() and not (tmp/'run'/'confusion.png').exists()
    assert '| label | train positives | test AP | threshold |' in p.stdout and '| Effusion |' in p.stdout and '| test | 12 |' in p.stdout

def test_predict_writes_probabilities_and_label_sets(ml_run):
    tmp, _, _ = ml_run
    ref = pd.read_csv(tmp/'run'/'preds.csv', keep_default_na=False)
    (tmp/'predict.py').write_text(PREDICT)
    p = subprocess.run([sys.executable, str(tmp/'predict.py'), '--model', tmp/'run', '--data', tmp/'run'/'preds.csv', '--tta', '--out', tmp/'p.csv'],
                       env=ENV, cwd=tmp, capture_output=True, text=True, timeout=600)
    assert p.returncode==0, p.stderr[-2000:]
    out = pd.read_csv(tmp/'p.csv', keep_default_na=False)
    assert list(out.columns)==['image', 'pred', 'p_Effusion', 'p_Mass', 'p_Nodule', 'error']
    np.testing.assert_allclose(out.filter(like='p_').to_numpy(), ref.filter(like='p_').to_numpy(), atol=1e-5)  # the training session's flip-TTA sigmoids
    assert list(out.pred)==list(ref.pred)
    # --calibrated: each label's probability scaled by the temperature fitted on validation (model.json), the label sets unchanged
    T = json.loads((tmp/'run'/'model.json').read_text())['temperature']
    assert T == json.loads((tmp/'run'/'metrics.json').read_text())['test']['calibration']['temperature'] > 0
    p = subprocess.run([sys.executable, str(tmp/'predict.py'), '--model', tmp/'run', '--data', tmp/'run'/'preds.csv', '--tta', '--calibrated', '--out', tmp/'c.csv'],
                       env=ENV, cwd=tmp, capture_output=True, text=True, timeout=600)
    assert p.returncode==0, p.stderr[-2000:]
    cal = pd.read_csv(tmp/'c.csv', keep_default_na=False)
    z = np.log(np.clip(ref.filter(like='p_').to_numpy(), 1e-7, 1-1e-7)) - np.log1p(-np.clip(ref.filter(like='p_').to_numpy(), 1e-7, 1-1e-7))
    np.testing.assert_allclose(cal.filter(like='p_').to_numpy(), 1/(1 + np.exp(-z/T)), atol=1e-4)
    assert list(cal.pred)==list(ref.pred)

@pytest.mark.parametrize('args,msg', [
    (['--task', 'generic', '--data', 'ML'], "train_labels has shape (40, 3): multi-hot labels need --task multilabel"),
    (['--task', 'generic', '--no_finding', 'No Finding'], "--label_cols and --no_finding are options of --task multilabel"),
    (['--task', 'multilabel', '--data', 'BAD01'], "holds 2 for image 'b.png' (line 3): expected 0 or 1 in a label column"),
    (['--task', 'multilabel', '--method', 'crt', '--data', 'ML'], "Method 'crt' (strategy 'crt') does not apply to multi-label task 'multilabel'"),
    (['--task', 'multilabel', '--loss', 'focal', '--data', 'ML'], "Loss 'focal' is for single-label targets"),
])
def test_bad_input_one_line(tmp_path, args, msg):
    fake_multilabel(tmp_path/'ml.npz')
    pd.DataFrame({'image': ['a.png', 'b.png'], 'x': [0, 2]}).to_csv(tmp_path/'bad01.csv', index=False)
    args = [{'ML': tmp_path/'ml.npz', 'BAD01': tmp_path/'bad01.csv'}.get(a, a) for a in args]
    p = run('balmix_train', *args, '--out', tmp_path/'o', cwd=tmp_path)
    assert p.returncode==2, p.stderr[-2000:]
    lines = [l for l in p.stderr.splitlines() if l.startswith('balmix_train: error:')]
    assert len(lines)==1 and msg in lines[0], p.stderr[-2000:]

def test_compare_multilabel(tmp_path):
    fn = fake_multilabel(tmp_path/'ml.npz', n=(32, 12, 12), size=16)
    p = run('balmix_compare', '--task', 'multilabel', '--data', fn, '--quick', '--archs', 'test_efficientnet', '--out', tmp_path/'g')
    assert p.returncode==0, p.stderr[-3000:]
    assert 'map' in p.stdout and 'auc_macro' in p.stdout and 'bmu_a0.2+bce' in p.stdout and 'instance+bce' in p.stdout, p.stdout

@pytest.mark.slow
def test_rfmid_one_epoch(tmp_path):
    rf = shared_data('rfmid/rfmid64.npz')
    if rf is None: pytest.skip("shared/data/rfmid is absent")
    p = run('balmix_train', '--task', 'multilabel', '--data', rf, '--arch', 'tf_efficientnet_lite0', '--pretrained', '--size', '64',
            '--method', 'bmu', '--epochs', '1', '--n_boot', '50', '--out', tmp_path/'rf')
    if p.returncode!=0 and 'pretrained' in p.stderr.lower() and 'unavailable' in p.stderr.lower(): pytest.skip(p.stderr.strip().splitlines()[-1])
    assert p.returncode==0, p.stderr[-3000:]
    m = json.loads((tmp_path/'rf'/'metrics.json').read_text())
    assert len(m['vocab'])==32 and len(m['dropped_labels'])==13 and m['test']['n']==296
    assert 0 < m['test']['scores']['map'] <= 1 and '13 labels with no training positive left out' in p.stdout

def test_multilabel_cv_needs_inner_valid(tmp_path):
    "A held-out fold never chooses the per-label thresholds it is scored with: without an inner split, training is refused before anything is read"
    import numpy as np
    from balmix.data import make_table, inner_valid_split
    from balmix.train import train
    t = make_table(image=['x.png']*20, label=['a|b', 'a', 'b', '']*5, vocab=['a', 'b'], fold=np.tile(range(2), 10), multilabel=True)
    with pytest.raises(ValueError, match='fold 0 needs an inner validation split'): train(t, method='instance', task='multilabel', fold=0, out=tmp_path/'r')
    assert 'inner0' in inner_valid_split(t, 0.2)

@pytest.mark.slow
def test_multilabel_distributed_two_cpu_processes(tmp_path):
    "`balmix_train --task multilabel --distributed` under torchrun: 2 gloo processes draw label-balanced shares, the whole test split is gathered and scored once"
    fn = fake_multilabel(tmp_path/'ml.npz', n=(40, 12, 13), size=16)  # 13 test items: the ranks' shares are unequal
    cmd = [str(BIN/'torchrun'), '--standalone', '--nproc_per_node', '2', '--no-python', str(BIN/'balmix_train'), '--distributed',
           '--task', 'multilabel', '--data', str(fn), '--method', 'bmu', *TINY, '--out', str(tmp_path/'o')]
    p = subprocess.run(cmd, cwd=tmp_path, env=dict(ENV, PYTHONWARNINGS='ignore'), capture_output=True, text=True, timeout=600)
    assert p.returncode==0, p.stderr[-3000:]
    m = json.loads((tmp_path/'o'/'metrics.json').read_text())
    pr = pd.read_csv(tmp_path/'o'/'preds.csv', keep_default_na=False)
    assert m['test']['n']==13 and len(pr)==13 and p.stdout.count('| test | 13 |')==1
    assert sorted(pr.image.astype(int))==list(range(52, 65))  # every test item once, none padded in twice
    vocab = m['vocab']; Y = np.array([[v in s.split('|') for v in vocab] for s in pr.label], dtype=int)
    has = Y.any(0)
    assert m['test']['scores']['map'] == pytest.approx(average_precision_score(Y[:, has], pr[[f'p_{v}' for v in vocab]].to_numpy()[:, has], average='macro'))

def test_cv_leaves_out_per_fold_the_labels_without_training_positive(tmp_path):
    "A label whose positives all lie in one fold is left out of that fold's run only, and recorded in its metrics.json"
    fn, Y = pipe_csv(tmp_path, n=60)
    df = pd.read_csv(fn).drop(columns='split').assign(fold=np.arange(60) % 3)
    df.loc[[1, 4], 'Finding Labels'] += '|Hernia'  # rows 1 and 4: fold 1
    df.to_csv(tmp_path/'folds.csv', index=False)
    p = run('balmix_compare', '--task', 'multilabel', '--data', tmp_path/'folds.csv', '--no_finding', 'No Finding', '--methods', 'instance',
            '--folds', '3', '--inner_valid', '0.2', '--archs', 'test_efficientnet', '--epochs', '1', '--size', '16', '--bs', '8', '--n_boot', '0', '--out', tmp_path/'g', cwd=tmp_path)
    assert p.returncode==0, p.stderr[-3000:]
    ms = {int(f.parent.name[4:]): json.loads(f.read_text()) for f in (tmp_path/'g').rglob('metrics.json')}
    assert sorted(ms)==[0, 1, 2]
    assert ms[1]['vocab']==['Effusion', 'Mass', 'Nodule'] and ms[1]['dropped_labels']=={'Hernia': 2}
    for k in (0, 2): assert ms[k]['vocab']==['Effusion', 'Hernia', 'Mass', 'Nodule'] and ms[k]['dropped_labels']=={}
    assert 'when fold 1 is held out' in p.stderr
