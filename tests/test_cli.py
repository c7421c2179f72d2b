"Whole-program tests of `balmix_train` and `balmix_compare`, run as the user runs them"
import json, os, subprocess, sys, time
from pathlib import Path
import pandas as pd, pytest
from balmix.data import messidor2_table
from balmix.testing import fake_eyepacs, fake_messidor2, fake_kvasir, fake_folder
from balmix.methods import method_spec, METHODS

BIN = Path(sys.executable).parent
METRICS_KEYS = {'config', 'run_id', 'seed', 'vocab', 'best_epoch', 'monitor', 'valid', 'test', 'timings'}
TINY = ['--epochs', '1', '--size', '32', '--bs', '8', '--n_boot', '20']

def run(cmd, *args, cwd=None, timeout=600):
    "Run a console script; returns the CompletedProcess"
    env = dict(os.environ, BALMIX_CACHE=str(Path(cwd or '.').absolute()/'cache'), OMP_NUM_THREADS='2')
    return subprocess.run([str(BIN/cmd), *map(str, args)], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)

def read_metrics(d): return json.loads((Path(d)/'metrics.json').read_text())

@pytest.mark.slow
def test_train_no_arguments(tmp_path):
    p = run('balmix_train', cwd=tmp_path)
    assert p.returncode==0, p.stderr[-2000:]
    out = tmp_path/'runs'/'train'
    m = read_metrics(out)
    assert set(m) == METRICS_KEYS
    c = m['config']
    assert (c['method'], c['strategy'], c['loss'], c['size']) == ('bmu', 'bmu', 'ce', 64)
    assert c['params']==method_spec('bmu')['params'] and c['name']==f"bmu_a{c['params']['alpha']:g}"
    assert set(m['test']['bootstrap']) == {'quad_kappa', 'mcc', 'kendall_tau'}
    assert {'quad_kappa', 'mcc', 'kendall_tau', 'balanced_acc', 'macro_f1', 'mauc'} <= set(m['test']['scores'])
    assert {o.name for o in out.iterdir()} >= {'best.pth', 'preds.csv', 'history.csv', 'history.png', 'confusion.png', 'per_class_recall.png'}
    assert '| test | 200 |' in p.stdout and 'quad_kappa' in p.stdout

def test_task_dr_eyepacs_with_messidor(tmp_path):
    data, mess = fake_eyepacs(tmp_path/'eyepacs', n=60, n_test=20), fake_messidor2(tmp_path/'messidor', n=15, n_ungradable=2)
    p = run('balmix_train', '--task', 'dr', '--data', data, '--messidor', mess, '--method', 'focal', '--out', tmp_path/'o', *TINY)
    assert p.returncode==0, p.stderr[-2000:]
    m = read_metrics(tmp_path/'o')
    n_ext = len(messidor2_table(mess))
    assert n_ext==15 and m['test']['n']==20 and m['external']['n']==n_ext
    assert len(pd.read_csv(tmp_path/'o'/'external_preds.csv'))==n_ext
    assert '| test | 20 |' in p.stdout and f'| external | {n_ext} |' in p.stdout

def test_task_kvasir_fold(tmp_path):
    data = fake_kvasir(tmp_path/'kv', n=5, findings=['polyps', 'ulcerative-colitis-grade-1', 'pylorus'])
    p = run('balmix_train', '--task', 'kvasir', '--data', data/'labeled-images' if (data/'labeled-images').exists() else data,
            '--fold', '1', '--method', 'class', '--out', tmp_path/'o', *TINY)
    assert p.returncode==0, p.stderr[-2000:]
    m = read_metrics(tmp_path/'o')
    assert m['config']['fold']==1 and m['test']['part']=='fold 1' and m['monitor']=='mcc'
    assert set(m['test']['bootstrap']) == {'mcc', 'balanced_acc', 'macro_f1'}
    assert m['test']['n']==3
    assert len(m['test']['calibration']['temperatures'])==2   # the fold validates and tests: temperatures cross-fitted on its halves

def test_task_generic_folder(tmp_path):
    data = fake_folder(tmp_path/'f', classes=('cat', 'dog', 'eel'), n=[12, 8, 6], splits=None)
    p = run('balmix_train', '--task', 'generic', '--data', data, '--method', 'cb', '--out', tmp_path/'o', *TINY)
    assert p.returncode==0, p.stderr[-2000:]
    m = read_metrics(tmp_path/'o')
    assert m['vocab']==['cat', 'dog', 'eel'] and m['monitor']=='mcc'

@pytest.mark.parametrize('args,msg', [
    (['--method', 'smote'], "balmix_train: error: Unknown method 'smote'"),
    (['--arch', 'resnet_9000'], "balmix_train: error: Unknown arch 'resnet_9000'"),
    (['--data', '/no/such/folder'], "balmix_train: error: Data path /no/such/folder does not exist"),
    (['--task', 'xray'], "balmix_train: error: Unknown task 'xray'"),
    (['--alpha', '0'], "balmix_train: error: alpha must be a number > 0, got 0.0"),
    (['--method', 'instance', '--alpha', '0.3'], "balmix_train: error: alpha is not a parameter of method 'instance': it takes none"),
    (['--q', '2', '--method', 'instance'], "balmix_train: error: q is not a parameter of method 'instance': it takes none"),
    (['--method', 'bmu', '--q', '2'], "balmix_train: error: q must be a number in [0, 1], got 2.0"),
    (['--method', 'mixup', '--per_item'], "balmix_train: error: per_item is not a parameter of method 'mixup': it takes alpha"),
    (['--method', 'focal', '--loss', 'hinge'], "balmix_train: error: Unknown loss 'hinge': expected one of ce, focal, cb"),
    (['--method', 'cb', '--gamma', '1'], "balmix_train: error: gamma is not a parameter of method 'cb': it takes beta"),
    (['--weights', '/no/such.pth'], "balmix_train: error: Weights file /no/such.pth does not exist"),
    (['--precision', 'fp8'], "balmix_train: error: Unknown precision 'fp8': expected one of fp32, bf16, fp16"),
    (['--head', 'arc'], "balmix_train: error: Unknown head 'arc': expected one of linear, cosine"),
    (['--method', 'tau_norm', '--head', 'cosine'], "balmix_train: error: Loss 'ce' needs a linear classifier head, got head 'cosine'"),
    (['--method', 'tau_norm', '--loss', 'ldam', '--head', 'cosine'], "balmix_train: error: tau_norm needs a linear classifier head, got head 'cosine'"),
    (['--method', 'ldam', '--drw_frac', '0.5'], "balmix_train: error: drw_frac is not a parameter of method 'ldam': it takes max_m, s"),
])
def test_train_bad_arguments(tmp_path, args, msg):
    p = run('balmix_train', *args, cwd=tmp_path)
    assert p.returncode==2
    lines = p.stderr.strip().splitlines()
    assert len(lines)==1 and lines[0].startswith(msg), p.stderr

def test_method_checked_before_data_is_read(tmp_path):
    "A bad method combination is reported before the data path is looked at, and without loading torch"
    p = subprocess.run([sys.executable, '-X', 'importtime', str(BIN/'balmix_train'), '--data', str(tmp_path/'absent.csv'), '--method', 'instance',
                        '--alpha', '0.3'], capture_output=True, text=True, cwd=tmp_path)
    assert p.returncode==2 and 'absent.csv' not in p.stderr and p.stderr.strip().splitlines()[-1].startswith("balmix_train: error: alpha is not a parameter")
    imported = {l.split('|')[-1].strip().split('.')[0] for l in p.stderr.splitlines() if l.startswith('import time:')}
    assert 'balmix' in imported and not imported & {'torch', 'fastai', 'timm', 'pandas'}, imported & {'torch', 'fastai', 'timm', 'pandas'}

@pytest.mark.parametrize('args,msg', [
    (['--methods', 'instance,smote'], f"Unknown method 'smote': expected one of {', '.join(METHODS)}"),
    (['--methods', 'instance,focal', '--q', '0.5'], "q is not a parameter of any method of the grid (instance, focal)"),
    (['--alphas', '0.1,0'], "alpha must be a number > 0, got 0.0"),
    (['--executor', 'slurmm'], "Unknown executor 'slurmm': expected one of sequential, local, slurm"),
    (['--executor', 'slurm', '--slurm_time', 'abc'], "SLURM time 'abc': expected minutes, MM:SS, H:MM:SS or D-HH:MM:SS"),
])
def test_compare_bad_arguments(tmp_path, args, msg):
    p = run('balmix_compare', *args, cwd=tmp_path)
    assert p.returncode==2 and p.stderr.strip().splitlines()==[f"balmix_compare: error: {msg}"]

def test_train_loss_and_parameters(tmp_path):
    "`--method bmu --loss focal --q 0.5 --per_item`: Balanced-MixUp with square-root second loader, focal loss; all recorded"
    data = fake_folder(tmp_path/'f', classes=('cat', 'dog', 'eel'), n=[12, 8, 6], splits=None)
    p = run('balmix_train', '--task', 'generic', '--data', data, '--method', 'bmu', '--loss', 'focal', '--q', '0.5', '--per_item',
            '--gamma', '1', '--alpha', '0.3', '--out', tmp_path/'o', *TINY)
    assert p.returncode==0, p.stderr[-2000:]
    c = read_metrics(tmp_path/'o')['config']
    assert (c['strategy'], c['loss'], c['name']) == ('bmu', 'focal', 'bmu_a0.3_q0.5_pi_g1+focal')
    assert c['params']==dict(alpha=0.3, q=0.5, per_item=True, gamma=1.0)

@pytest.mark.parametrize('method', ['bmu', 'bcm'])
def test_two_class_end_to_end(tmp_path, method):
    "A two-class imbalanced table trains with both class-sampled mixes; every metric is the binary one (sklearn on preds.csv)"
    from sklearn.metrics import roc_auc_score, matthews_corrcoef, cohen_kappa_score, balanced_accuracy_score, f1_score
    data = fake_folder(tmp_path/'f', classes=('benign', 'malignant'), n=[40, 8], splits=None)
    p = run('balmix_train', '--task', 'generic', '--data', data, '--method', method, '--out', tmp_path/'o', *TINY)
    assert p.returncode==0, p.stderr[-2000:]
    m, preds = read_metrics(tmp_path/'o'), pd.read_csv(tmp_path/'o'/'preds.csv')
    assert m['vocab']==['benign', 'malignant'] and m['config']['train_counts'][1] > 0
    y, pred, p1 = (preds.label=='malignant').astype(int), (preds.pred=='malignant').astype(int), preds['p_malignant']
    assert set(y)=={0, 1}
    sc = m['test']['scores']
    assert abs(sc['mauc'] - roc_auc_score(y, p1)) < 1e-9
    assert abs(sc['mcc'] - matthews_corrcoef(y, pred)) < 1e-9
    assert abs(sc['quad_kappa'] - cohen_kappa_score(y, pred)) < 1e-9
    assert abs(sc['balanced_acc'] - balanced_accuracy_score(y, pred)) < 1e-9
    assert abs(sc['macro_f1'] - f1_score(y, pred, average='macro')) < 1e-9
    assert {'ece', 'brier', 'nll'} <= set(m['test']['calibration']['before'])

def test_decoupled_methods(tmp_path):
    "`crt` and `tau_norm` run through the command line; tau-normalisation records the tau it chose on validation"
    data = fake_folder(tmp_path/'f', classes=('cat', 'dog', 'eel'), n=[20, 8, 6], splits=None)
    p = run('balmix_train', '--task', 'generic', '--data', data, '--method', 'crt', '--crt_frac', '0.5', '--out', tmp_path/'c',
            *TINY[:1], '2', *TINY[2:])
    assert p.returncode==0, p.stderr[-2000:]
    c = read_metrics(tmp_path/'c')['config']
    assert (c['strategy'], c['name'], c['params']) == ('crt', 'crt_f0.5', dict(crt_frac=0.5))
    p = run('balmix_train', '--task', 'generic', '--data', data, '--method', 'tau_norm', '--out', tmp_path/'t', *TINY)
    assert p.returncode==0, p.stderr[-2000:]
    tn = read_metrics(tmp_path/'t')['posthoc']['tau_norm']
    assert tn['metric']=='mcc' and len(tn['valid_scores'])==21 and tn['tau']==[round(0.1*i, 2) for i in range(21)][tn['valid_scores'].index(max(tn['valid_scores']))]
    from balmix.predict import load_model   # the saved model is the tau-normalised one that was scored
    ref = pd.read_csv(tmp_path/'t'/'preds.csv')
    got = load_model(tmp_path/'t').predict(list(ref.image), tta=True)
    cols = [c for c in ref.columns if c.startswith('p_')]
    assert (abs(got[cols].to_numpy(float) - ref[cols].to_numpy(float)) < 1e-5).all()
    p = run('balmix_train', '--method', 'crt', '--crt_frac', '1', cwd=tmp_path)
    assert p.returncode==2 and p.stderr.strip().splitlines()==["balmix_train: error: crt_frac must be a number in (0, 1), got 1.0"]

def test_ldam_cosine_head_and_drw(tmp_path):
    """`--method ldam` trains a cosine head with s=30, recorded in metrics.json and model.json; `balmix_predict` rebuilds it and gives the run's
    probabilities. `--method ldam_drw` re-weights from the epoch metrics.json records; `--head linear` gives LDAM s=1"""
    import numpy as np
    from balmix.models import NormedLinear
    from balmix.predict import load_model
    data = fake_folder(tmp_path/'f', classes=('cat', 'dog', 'eel'), n=[20, 8, 6], splits=None)
    p = run('balmix_train', '--task', 'generic', '--data', data, '--method', 'ldam', '--out', tmp_path/'l', *TINY)
    assert p.returncode==0, p.stderr[-2000:]
    m = read_metrics(tmp_path/'l')
    c = m['config']
    assert (c['name'], c['loss'], c['head'], c['params']) == ('ldam', 'ldam', 'cosine', dict(max_m=0.5, s=30.0)) and 'run_info' not in m
    assert json.loads((tmp_path/'l'/'model.json').read_text())['head']=='cosine'
    assert isinstance(load_model(tmp_path/'l').model.get_classifier(), NormedLinear)
    drv = tmp_path/'predict.py'; drv.write_text("from balmix.cli import balmix_predict\nbalmix_predict()\n")  # the console script, until reinstalled
    ref = pd.read_csv(tmp_path/'l'/'preds.csv')
    pd.DataFrame(dict(image=ref.image)).to_csv(tmp_path/'list.csv', index=False)
    q = subprocess.run([sys.executable, str(drv), '--model', tmp_path/'l', '--data', tmp_path/'list.csv', '--tta', '--out', tmp_path/'p.csv'],
                       cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert q.returncode==0, q.stderr[-2000:]
    cols = ['p_cat', 'p_dog', 'p_eel']
    np.testing.assert_allclose(pd.read_csv(tmp_path/'p.csv')[cols].to_numpy(float), ref[cols].to_numpy(float), atol=1e-5)
    p = run('balmix_train', '--task', 'generic', '--data', data, '--method', 'ldam_drw', '--drw_frac', '0.5', '--out', tmp_path/'d',
            *TINY[:1], '2', *TINY[2:])
    assert p.returncode==0, p.stderr[-2000:]
    m = read_metrics(tmp_path/'d')
    assert (m['config']['name'], m['config']['head'], m['config']['params']) == ('ldam_drw_d0.5', 'cosine', dict(max_m=0.5, s=30.0, drw_frac=0.5))
    assert m['run_info'] == dict(drw=dict(start_epoch=1, epochs=2, frac=0.5, beta=0.9999))
    p = run('balmix_train', '--task', 'generic', '--data', data, '--method', 'ldam', '--head', 'linear', '--out', tmp_path/'h', *TINY)
    assert p.returncode==0, p.stderr[-2000:]
    c = read_metrics(tmp_path/'h')['config']
    assert (c['name'], c['head'], c['params']['s']) == ('ldam_linear', 'linear', 1.0)
    assert json.loads((tmp_path/'h'/'model.json').read_text())['head']=='linear'

def test_train_bf16_channels_last(tmp_path):
    "`--precision bf16 --channels-last` trains Balanced-MixUp on the CPU and is recorded; fp16 on a CPU is one line"
    data = fake_folder(tmp_path/'f', classes=('cat', 'dog', 'eel'), n=[12, 8, 6], splits=None)
    p = run('balmix_train', '--task', 'generic', '--data', data, '--method', 'bmu', '--precision', 'bf16', '--channels_last',
            '--out', tmp_path/'o', *TINY)
    assert p.returncode==0, p.stderr[-2000:]
    c = read_metrics(tmp_path/'o')['config']
    assert (c['precision'], c['channels_last']) == ('bf16', True)
    p = run('balmix_train', '--task', 'generic', '--data', data, '--precision', 'fp16', '--out', tmp_path/'o16', *TINY)
    lines = p.stderr.strip().splitlines()
    assert p.returncode==2 and lines[-1].startswith("balmix_train: error: precision fp16 needs a CUDA device (the model is on cpu)"), p.stderr

def test_train_weights_file(tmp_path):
    "`--weights FILE` starts the backbone from a state dict, recorded in metrics.json; a file that does not fit is one line"
    import timm, torch
    torch.save(timm.create_model('mobilenetv2_100', num_classes=7).state_dict(), tmp_path/'mnv2.pth')
    torch.save(timm.create_model('resnet18', num_classes=7).state_dict(), tmp_path/'r18.pth')
    data = fake_folder(tmp_path/'f', classes=('cat', 'dog'), n=[12, 6], splits=None)
    p = run('balmix_train', '--task', 'generic', '--data', data, '--method', 'instance', '--weights', tmp_path/'mnv2.pth', '--out', tmp_path/'o', *TINY)
    assert p.returncode==0, p.stderr[-2000:]
    assert read_metrics(tmp_path/'o')['config']['weights_source']==f"file:{(tmp_path/'mnv2.pth').resolve()}"
    p = run('balmix_train', '--task', 'generic', '--data', data, '--method', 'instance', '--weights', tmp_path/'r18.pth', '--out', tmp_path/'o2', *TINY)
    lines = p.stderr.strip().splitlines()
    assert p.returncode==2 and len(lines)==1 and lines[0].startswith("balmix_train: error: Weights do not fit 'mobilenetv2_100'") and 'r18.pth' in lines[0], p.stderr

@pytest.mark.slow
def test_compare_quick_interrupted_and_resumed(tmp_path):
    out = tmp_path/'grid'
    cmd = [str(BIN/'balmix_compare'), '--quick', '--out', str(out)]
    env = dict(os.environ, BALMIX_CACHE=str(tmp_path/'cache'))
    proc = subprocess.Popen(cmd, cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    first = out/'mobilenetv2_100'/'instance'/'seed0'/'metrics.json'
    t0 = time.time()
    while not first.exists() and proc.poll() is None and time.time()-t0 < 600: time.sleep(0.2)
    proc.kill(); proc.wait()
    assert first.exists(), "the first cell never completed"
    assert not (out/'results.md').exists()
    mtime = first.stat().st_mtime_ns
    p = subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    assert p.returncode==0, p.stderr[-2000:]
    assert first.stat().st_mtime_ns==mtime
    assert '1 run(s) trained, 1 already complete' in p.stdout
    md = (out/'results.md').read_text()
    assert '| mobilenetv2_100 | instance |' in md and '| mobilenetv2_100 | bmu_a0.2 |' in md
    res = pd.read_csv(out/'results.csv')
    assert sorted(res.row) == ['auto[valid]', 'bmu_a0.2', 'instance']  # and the pick made on validation
    assert (out/'results.png').stat().st_size > 1000
    leftovers = [o for o in out.rglob('*') if '.tmp' in o.name]
    assert not leftovers, leftovers

