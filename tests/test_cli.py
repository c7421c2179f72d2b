"Whole-program tests of `balmix_train` and `balmix_compare`, run as the user runs them"
import json, os, subprocess, sys, time
from pathlib import Path
import pandas as pd, pytest
from balmix.data import messidor2_table
from balmix.testing import fake_eyepacs, fake_messidor2, fake_kvasir, fake_folder

BIN = Path(sys.executable).parent
METRICS_KEYS = {'config', 'seed', 'vocab', 'best_epoch', 'monitor', 'test', 'timings'}
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
    assert m['config']['method']=='bmu' and m['config']['alpha']==0.1 and m['config']['size']==64
    assert set(m['test']['bootstrap']) == {'quad_kappa', 'mcc', 'kendall_tau'}
    assert {'quad_kappa', 'mcc', 'kendall_tau', 'balanced_acc', 'macro_f1', 'mauc'} <= set(m['test']['scores'])
    assert {o.name for o in out.iterdir()} >= {'best.pth', 'preds.csv', 'history.csv', 'confusion.png', 'per_class_recall.png'}
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
    (['--alpha', '0'], "balmix_train: error: alpha must be > 0"),
])
def test_train_bad_arguments(tmp_path, args, msg):
    p = run('balmix_train', *args, cwd=tmp_path)
    assert p.returncode==2
    lines = p.stderr.strip().splitlines()
    assert len(lines)==1 and lines[0].startswith(msg), p.stderr

def test_compare_bad_arguments(tmp_path):
    p = run('balmix_compare', '--methods', 'instance,smote', cwd=tmp_path)
    assert p.returncode==2 and p.stderr.strip().splitlines()==["balmix_compare: error: Unknown method 'smote': expected one of instance, class, sqrt, prog, focal, cb, mixup, bmu"]

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
    assert sorted(res.row) == ['bmu_a0.2', 'instance']
    assert (out/'results.png').stat().st_size > 1000
    leftovers = [o for o in out.rglob('*') if '.tmp' in o.name]
    assert not leftovers, leftovers

@pytest.mark.slow
def test_train_distributed_two_cpu_processes(tmp_path):
    "`balmix_train --distributed` under torchrun: 2 gloo processes, full test set gathered, one writer"
    env = dict(os.environ, BALMIX_CACHE=str(tmp_path/'cache'), OMP_NUM_THREADS='1')
    cmd = [str(BIN/'torchrun'), '--standalone', '--nproc_per_node', '2', '--no-python', str(BIN/'balmix_train'),
           '--distributed', '--epochs', '1', '--size', '32', '--bs', '16',
           '--n_boot', '20', '--out', str(tmp_path/'o')]
    p = subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    assert p.returncode==0, p.stderr[-3000:]
    m = read_metrics(tmp_path/'o')
    assert m['test']['n']==200 and len(pd.read_csv(tmp_path/'o'/'preds.csv'))==200
    assert p.stdout.count('| test | 200 |')==1
