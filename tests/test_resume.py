"`balmix_train --resume`: a run killed (SIGKILL) after its second of four epochs and resumed ends as the uninterrupted run"
import json, os, signal, subprocess, sys, time
from pathlib import Path
import numpy as np, pandas as pd, pytest, torch
from balmix.testing import fake_folder, fake_multilabel

BIN = Path(sys.executable).parent
ENV = dict(os.environ, OMP_NUM_THREADS='1')
ARGS = ['--task', 'generic', '--arch', 'test_efficientnet', '--epochs', '4', '--size', '32', '--bs', '8', '--n_boot', '20']

# `balmix_train` as the console script runs it, stopped for good (until the test's SIGKILL) once epoch 1's checkpoint is written
PAUSE_AFTER_EPOCH_1 = '''
import sys, time, balmix.checkpoint as ck
from balmix.cli import balmix_train
save = ck.Checkpoint.after_epoch
def after_epoch(self):
    save(self)
    if self.epoch==1 and self.trained: time.sleep(600)
ck.Checkpoint.after_epoch = after_epoch
balmix_train()
'''

def run(*args, cwd=None):
    return subprocess.run([str(BIN/'balmix_train'), *map(str, args)], env=ENV, cwd=cwd, capture_output=True, text=True, timeout=600)

def last_epoch(fn):
    try: return torch.load(fn, weights_only=True)['epoch']
    except Exception: return None  # not written yet

def kill_after_epoch_1(tmp_path, args, out):
    "Start `balmix_train`, SIGKILL it once `out/last.pth` holds epoch 1"
    drv = tmp_path/'pause.py'; drv.write_text(PAUSE_AFTER_EPOCH_1)
    proc = subprocess.Popen([sys.executable, str(drv), *map(str, args), '--out', str(out)], env=ENV, cwd=tmp_path,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    t0 = time.time()
    while last_epoch(out/'last.pth')!=1 and proc.poll() is None and time.time()-t0 < 600: time.sleep(0.1)
    assert proc.poll() is None, proc.stderr.read()[-2000:]
    proc.send_signal(signal.SIGKILL); proc.wait()
    assert proc.returncode==-signal.SIGKILL

def state(fn): return torch.load(fn, weights_only=True)

@pytest.mark.slow
@pytest.mark.parametrize('method', ['instance', 'bmu', 'crt', 'tau_norm', 'multilabel-bmu'])  # bmu's class-sampled loader covers class sampling's
def test_killed_and_resumed_equals_uninterrupted(tmp_path, method):
    if method.startswith('multilabel'):  # multi-hot targets: label-then-item draws, mixed soft targets, validation thresholds
        data, method = fake_multilabel(tmp_path/'ml.npz', n=(40, 12, 12), size=16), method.split('-')[1]
        args = [*ARGS, '--task', 'multilabel', '--data', data, '--method', method]
    else:
        data = fake_folder(tmp_path/'f', classes=('cat', 'dog', 'eel'), n=[24, 10, 6], splits=None)
        args = [*ARGS, '--data', data, '--method', method, *(['--crt_frac', '0.75'] if method=='crt' else [])]  # cRT: killed within its second stage
    p = run(*args, '--out', tmp_path/'full')
    assert p.returncode==0, p.stderr[-2000:]
    kill_after_epoch_1(tmp_path, args, tmp_path/'part')
    part = tmp_path/'part'
    assert not (part/'metrics.json').exists() and last_epoch(part/'last.pth')==1
    if method=='instance':  # a checkpoint of another configuration is refused, in one line
        p = run(*args, '--out', part, '--resume', '--epochs', '5')
        assert p.returncode==2 and p.stderr.strip().splitlines()==[
            f"balmix_train: error: Checkpoint {part/'last.pth'} is of another run: its epochs is 4, not 5 (start afresh without resume, or use another output folder)"], p.stderr
    p = run(*args, '--out', part, '--resume')
    assert p.returncode==0, p.stderr[-2000:]
    assert 'Resuming from' in p.stdout and 'epoch 2 of 4' in p.stdout
    assert not (part/'last.pth').exists()  # removed once the run is complete
    m_full, m_part = (json.loads((d/'metrics.json').read_text()) for d in (tmp_path/'full', part))
    for k in m_full['test']['scores']: np.testing.assert_allclose(m_part['test']['scores'][k], m_full['test']['scores'][k], atol=1e-6, err_msg=k)
    assert m_part['best_epoch']==m_full['best_epoch']
    h_full, h_part = (pd.read_csv(d/'history.csv') for d in (tmp_path/'full', part))
    assert len(h_part)==4
    np.testing.assert_allclose(h_part.to_numpy(float), h_full.to_numpy(float), atol=1e-6)
    if 'thresholds' in m_full['test']: assert m_part['test']['thresholds']==pytest.approx(m_full['test']['thresholds'], abs=1e-6)
    w_full, w_part = state(tmp_path/'full'/'best.pth'), state(part/'best.pth')
    assert all(torch.allclose(w_full[k].float(), w_part[k].float(), atol=1e-6) for k in w_full)
    p_full, p_part = (pd.read_csv(d/'preds.csv', keep_default_na=False) for d in (tmp_path/'full', part))
    np.testing.assert_allclose(p_part.filter(like='p_').to_numpy(), p_full.filter(like='p_').to_numpy(), atol=1e-6)
    assert list(p_part.pred)==list(p_full.pred)

def test_corrupt_checkpoint_is_reported(tmp_path):
    data = fake_folder(tmp_path/'f', classes=('cat', 'dog'), n=[8, 6], splits=None)
    out = tmp_path/'o'; out.mkdir()
    (out/'last.pth').write_bytes(b'PK\x03\x04 truncated')
    p = run(*ARGS, '--data', data, '--method', 'instance', '--out', out, '--resume')
    lines = p.stderr.strip().splitlines()
    assert p.returncode==2 and len(lines)==1 and lines[0].startswith(f"balmix_train: error: Checkpoint {out/'last.pth'} cannot be read (truncated or corrupt?)"), p.stderr
