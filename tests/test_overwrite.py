"A finished run is never lost: `balmix_train` into its folder is refused unless `--overwrite`, `--resume` keeps it or names the difference"
import json, os, shutil, subprocess, sys
from pathlib import Path
import numpy as np, pandas as pd, pytest
from balmix.testing import fake_folder

BIN = Path(sys.executable).parent
ARGS = ['--task', 'generic', '--arch', 'test_efficientnet', '--epochs', '2', '--size', '32', '--bs', '8', '--n_boot', '20']

def run(cmd, *args, cwd=None):
    env = dict(os.environ, OMP_NUM_THREADS='1', BALMIX_CACHE=str(Path(cwd or '.').absolute()/'cache'))
    return subprocess.run([str(BIN/cmd), *map(str, args)], env=env, cwd=cwd, capture_output=True, text=True, timeout=600)

def error_line(p):
    lines = p.stderr.strip().splitlines()
    assert p.returncode==2 and len(lines)==1, (p.returncode, p.stderr[-2000:])
    return lines[0]

def stamps(d): return {o.name: (o.stat().st_mtime_ns, o.read_bytes()) for o in Path(d).iterdir()}

@pytest.fixture(scope='module')
def finished(tmp_path_factory):
    "A finished `instance` run: (data folder, run folder)"
    tmp = tmp_path_factory.mktemp('finished')
    data = fake_folder(tmp/'f', classes=('cat', 'dog', 'eel'), n=[12, 8, 6], splits=None)
    p = run('balmix_train', *ARGS, '--data', data, '--method', 'instance', '--out', tmp/'run', cwd=tmp)
    assert p.returncode==0, p.stderr[-2000:]
    return data, tmp/'run'

@pytest.fixture
def run_a(finished, tmp_path):
    "A copy of the finished run, in `tmp_path/run_a`, file times kept"
    data, d = finished
    shutil.copytree(d, tmp_path/'run_a')
    return data, tmp_path/'run_a'

def test_valid_scores_recorded(finished):
    "metrics.json keeps the best epoch's validation scores: its row of history.csv"
    m, hist = json.loads((finished[1]/'metrics.json').read_text()), pd.read_csv(finished[1]/'history.csv')
    best = hist.mcc.idxmax()
    assert m['valid']['epoch']==m['best_epoch']==best
    assert set(m['valid']['scores'])==set(hist.columns)-{'epoch', 'train_loss'}
    np.testing.assert_allclose([m['valid']['scores'][k] for k in hist.columns[2:]], hist.loc[best, hist.columns[2:]].astype(float), atol=1e-6)

def test_second_run_refused_unless_overwrite(run_a, tmp_path):
    data, d = run_a
    before = stamps(d)
    p = run('balmix_train', *ARGS, '--data', data, '--method', 'instance', '--out', d, cwd=tmp_path)
    assert error_line(p)==(f"balmix_train: error: {d} holds a finished run of method 'instance' (metrics.json): "
                           "resume to keep it, overwrite to replace it, or use another output folder")
    assert stamps(d)==before   # nothing touched
    p = run('balmix_train', *ARGS, '--data', data, '--method', 'bmu', '--out', d, '--overwrite', cwd=tmp_path)
    assert p.returncode==0, p.stderr[-2000:]
    m = json.loads((d/'metrics.json').read_text())
    assert m['config']['name']=='bmu_a0.2' and m['run_id']['method']=='bmu_a0.2'
    assert (d/'best.pth').stat().st_mtime_ns > before['best.pth'][0]

def test_resume_with_another_method_refused(run_a, tmp_path):
    data, d = run_a
    before = stamps(d)
    p = run('balmix_train', *ARGS, '--data', data, '--method', 'bmu', '--out', d, '--resume', cwd=tmp_path)
    assert error_line(p)==(f"balmix_train: error: {d} holds a finished run of another configuration: its method is 'instance', "
                           "not 'bmu_a0.2' (overwrite to replace it, or use another output folder)")
    p = run('balmix_train', *ARGS, '--data', data, '--method', 'instance', '--seed', '1', '--out', d, '--resume', cwd=tmp_path)
    assert "its seed is 0, not 1" in error_line(p)
    assert stamps(d)==before

def test_resume_finished_run_does_nothing(run_a, tmp_path):
    data, d = run_a
    before, m = stamps(d), json.loads((d/'metrics.json').read_text())
    p = run('balmix_train', *ARGS, '--data', data, '--method', 'instance', '--out', d, '--resume', cwd=tmp_path)
    assert p.returncode==0, p.stderr[-2000:]
    assert f"{d} holds this run, already complete: nothing trained" in p.stdout and 'Resuming from' not in p.stdout
    assert f"| {m['test']['part']} | {m['test']['n']} | {m['test']['scores']['mcc']:.3f}" in p.stdout   # the stored metric table
    assert stamps(d)==before

def test_resume_metrics_without_run_id(run_a, tmp_path):
    "A metrics.json from before `run_id` is compared on what its config records, and says what it could not compare"
    data, d = run_a
    m = json.loads((d/'metrics.json').read_text()); del m['run_id']
    (d/'metrics.json').write_text(json.dumps(m))
    p = run('balmix_train', *ARGS, '--data', data, '--method', 'instance', '--out', d, '--resume', cwd=tmp_path)
    assert p.returncode==0 and 'already complete' in p.stdout and 'not compared, as it does not record them: data' in p.stdout, p.stderr[-2000:]
    p = run('balmix_train', *ARGS, '--data', data, '--method', 'instance', '--out', d, '--resume', '--epochs', '3', cwd=tmp_path)
    assert "its epochs is 2, not 3" in error_line(p)

def test_compare_twice_skips_complete_cells(finished, tmp_path):
    "`balmix_compare` keeps its cell-level resume: a second run trains nothing and rewrites no cell"
    args = ['balmix_compare', *ARGS, '--archs', 'test_efficientnet', '--folds', '0', '--methods', 'instance', '--data', finished[0],
            '--out', tmp_path/'g']
    args.remove('--arch'); args.remove('test_efficientnet')
    p = run(*args, cwd=tmp_path)
    assert p.returncode==0 and '1 run(s) trained, 0 already complete' in p.stdout, p.stderr[-2000:]
    cell = tmp_path/'g'/'test_efficientnet'/'instance'/'seed0'
    before = stamps(cell)
    p = run(*args, cwd=tmp_path)
    assert p.returncode==0 and '0 run(s) trained, 1 already complete' in p.stdout, p.stderr[-2000:]
    assert stamps(cell)==before
