"`--log`: fastai's CSVLogger and TensorBoardCallback attached by `balmix_train` and, one run per cell, by `balmix_compare`"
import importlib.util, os, subprocess, sys
from pathlib import Path
import numpy as np, pandas as pd, pytest
from balmix.testing import fake_folder

BIN = Path(sys.executable).parent
ENV = dict(os.environ, OMP_NUM_THREADS='1')
TINY = ['--task', 'generic', '--arch', 'test_efficientnet', '--epochs', '2', '--size', '32', '--bs', '8', '--n_boot', '20']

def run(cmd, *args, cwd=None):
    return subprocess.run([str(BIN/cmd), *map(str, args)], env=ENV, cwd=cwd, capture_output=True, text=True, timeout=600)

def scalars(d, tag):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    ev = EventAccumulator(str(d)); ev.Reload()
    return [e.value for e in ev.Scalars(tag)]

@pytest.fixture
def data(tmp_path): return fake_folder(tmp_path/'f', classes=('cat', 'dog', 'eel'), n=[12, 8, 6], splits=None)

def test_train_log_csv(tmp_path, data):
    p = run('balmix_train', *TINY, '--data', data, '--method', 'class', '--log', 'csv', '--out', tmp_path/'o')
    assert p.returncode==0, p.stderr[-2000:]
    log, hist = pd.read_csv(tmp_path/'o'/'log.csv'), pd.read_csv(tmp_path/'o'/'history.csv')
    assert list(log.columns[:3])==['epoch', 'train_loss', 'valid_loss'] and len(log)==2
    np.testing.assert_allclose(log[['train_loss', 'valid_loss', 'mcc']].to_numpy(float), hist[['train_loss', 'valid_loss', 'mcc']].to_numpy(float), atol=1e-5)

def test_train_log_tensorboard(tmp_path, data):
    p = run('balmix_train', *TINY, '--data', data, '--method', 'bmu', '--log', 'tensorboard', '--out', tmp_path/'o')
    assert p.returncode==0, p.stderr[-2000:]
    hist = pd.read_csv(tmp_path/'o'/'history.csv')
    np.testing.assert_allclose(scalars(tmp_path/'o'/'tensorboard', 'valid_loss'), hist.valid_loss, atol=1e-5)
    np.testing.assert_allclose(scalars(tmp_path/'o'/'tensorboard', 'mcc'), hist.mcc, atol=1e-5)

def test_compare_logs_each_cell(tmp_path, data):
    out = tmp_path/'grid'
    p = run('balmix_compare', *TINY, '--data', data, '--methods', 'instance,class', '--archs', 'test_efficientnet', '--log', 'tensorboard', '--out', out)
    assert p.returncode==0, p.stderr[-2000:]
    for m in ('instance', 'class'):
        cell = out/'test_efficientnet'/m/'seed0'
        hist = pd.read_csv(cell/'history.csv')
        np.testing.assert_allclose(scalars(cell/'tensorboard', 'valid_loss'), hist.valid_loss, atol=1e-5)

@pytest.mark.parametrize('log', ['wandb', 'mlflow'])
def test_absent_logger_is_one_line(tmp_path, log):
    if importlib.util.find_spec(log) is not None: pytest.skip(f"{log} is installed")
    for cmd in ('balmix_train', 'balmix_compare'):
        p = run(cmd, '--log', log, '--data', tmp_path/'none', cwd=tmp_path)
        assert p.returncode==2 and p.stderr.strip().splitlines()==[f"{cmd}: error: --log {log} needs the {log} package: pip install {log}"], p.stderr
