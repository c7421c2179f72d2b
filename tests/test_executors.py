"Grids through executors: two drivers at once, `--executor local --jobs 2` against them, and a fake SLURM with a preempted, requeued cell"
import json, os, re, signal, subprocess, sys, time
from pathlib import Path
import numpy as np, pandas as pd, pytest, torch

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
ENV = dict(os.environ, OMP_NUM_THREADS='1', PYTHONPATH=str(REPO), CUDA_VISIBLE_DEVICES='')
QUICK = ['--quick', '--task', 'generic', '--archs', 'test_efficientnet', '--n_boot', '10']

def compare(*args, env=ENV, **kw):
    return subprocess.Popen([str(BIN/'balmix_compare'), *map(str, args)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)

def scores(out):
    df = pd.read_csv(out/'results.csv')
    df = df[~df.row.str.endswith('[valid]')].set_index(['row', 'run'])
    return df[[c for c in df if c.startswith('test:') and not c.endswith(':std') and not c.endswith(':mean')]].sort_index()

@pytest.fixture(scope='module')
def two_drivers(tmp_path_factory):
    "The quick grid run by two sequential drivers started at once on one folder"
    out = tmp_path_factory.mktemp('grid')/'g'
    ps = [compare(*QUICK, '--out', out) for _ in range(2)]
    res = [p.communicate(timeout=600) for p in ps]
    for p, (o, e) in zip(ps, res): assert p.returncode==0, e[-3000:]
    return out, res

def test_two_drivers_run_each_cell_once(two_drivers):
    out, res = two_drivers
    cells = json.loads((out/'grid.json').read_text())['cells']
    assert len(cells)==2
    for c in cells:
        log = (out/c/'claims.log').read_text()
        assert log.count('claimed by')==1, log            # run exactly once
        assert (out/c/'metrics.json').exists() and not (out/c/'running.json').exists()
    trained = [int(re.search(r'(\d+) run\(s\) trained', o).group(1)) for o, _ in res]
    assert sum(trained)==2, [o[:300] for o, _ in res]

def test_local_jobs_equals_sequential(two_drivers, tmp_path):
    ref, _ = two_drivers
    p = compare(*QUICK, '--out', tmp_path/'g', '--executor', 'local', '--jobs', '2', '--gpus', '')
    o, e = p.communicate(timeout=600)
    assert p.returncode==0, e[-3000:]
    a, b = scores(ref), scores(tmp_path/'g')
    assert a.shape==b.shape and a.shape[0]==2
    np.testing.assert_allclose(b.to_numpy(float), a.to_numpy(float), atol=1e-6)   # deterministic CPU mode, same seeds
    cells = json.loads((tmp_path/'g'/'grid.json').read_text())['cells']
    # each cell ran in a process of its own (the claims name two pids other than this test's); whether they overlapped
    # in time depends on the load of the machine with cells of a second, so that is shown by bench/executors.py instead
    pids = {l.split('pid ')[1].split()[0] for c in cells for l in (tmp_path/'g'/c/'claims.log').read_text().splitlines() if 'pid ' in l}
    assert len(pids)==2 and str(os.getpid()) not in pids, pids

def test_slurm_array_requeue(tmp_path):
    "A fake SLURM runs the array here; the first cell is preempted (SIGUSR2) after its first epoch, requeued, and resumes"
    fake, state = tmp_path/'bin', tmp_path/'slurm'; fake.mkdir(); state.mkdir()
    for cmd in ('sbatch', 'srun', 'sacct', 'squeue', 'scontrol'):
        (fake/cmd).write_text(f'#!/bin/sh\nexec {sys.executable} {REPO/"tests"/"fake_slurm.py"} {cmd} "$@"\n'); (fake/cmd).chmod(0o755)
    env = dict(ENV, PATH=f"{fake}:{ENV['PATH']}", FAKE_SLURM_DIR=str(state))
    out = tmp_path/'g'
    args = [*QUICK, '--epochs', '3', '--out', out, '--executor', 'slurm', '--slurm_partition', 'debug', '--slurm_time', '0:30:00',
            '--slurm_gpus_per_cell', '0', '--slurm_cpus_per_cell', '1', '--slurm_mem', '2G', '--slurm_array_parallelism', '1',
            '--slurm_setup', 'export BALMIX_SETUP_RAN=1', 'echo setup done']
    p = compare(*args, '--detach', env=env); o, e = p.communicate(timeout=300)
    assert p.returncode==0 and 'submitted as SLURM job' in o, e[-3000:]
    job = json.loads((out/'slurm.json').read_text())['job']
    script = next((out/'.submitit').rglob('*_submission.sh')).read_text()
    for s in ('#SBATCH --array=0-1%1', '#SBATCH --partition=debug', '#SBATCH --time=30', '#SBATCH --cpus-per-task=1', '#SBATCH --mem=2G',
              'export BALMIX_SETUP_RAN=1\necho setup done'):
        assert s in script, (s, script)
    assert '--gpus-per-node' not in script
    first = out/json.loads((out/'grid.json').read_text())['cells'][0]
    t0 = time.time()
    while time.time()-t0 < 300:
        try: ep = torch.load(first/'last.pth', weights_only=True)['epoch']
        except Exception: ep = None
        if ep==0: break
        time.sleep(0.1)
    assert ep==0, 'no checkpoint of epoch 0'
    os.kill(json.loads((first/'running.json').read_text())['pid'], signal.SIGUSR2)   # SLURM's preemption warning
    t0 = time.time()
    while time.time()-t0 < 400 and not all((state/f'{job}_{i}').read_text()=='COMPLETED' for i in range(2)): time.sleep(0.5)
    assert (state/'requeued').read_text().split()==[f'{job}_0']
    log = next((out/'.submitit').rglob(f'{job}_0_*log.out')).read_text()
    assert 'Resuming from' in log, log[-3000:]
    assert len(pd.read_csv(first/'history.csv'))==3
    assert (first/'claims.log').read_text().count('claimed by')==2   # the requeued job claims the cell again
    p = compare(*args, '--collect', env=env); o, e = p.communicate(timeout=300)
    assert p.returncode==0 and 'All 2 cells complete.' in o, (o, e[-2000:])

@pytest.mark.slow
def test_ddp_cell_under_torchrun(tmp_path):
    "A cell of several processes (`--gpus_per_cell 2`'s runner) trains under torchrun --standalone on the CPU (gloo), scores the whole test split once and leaves no pickled arguments"
    code = f'''
import warnings; warnings.simplefilter('ignore')
from pathlib import Path
from balmix.data import synth_fundus
from balmix.executors import torchrun_train
out = Path({str(tmp_path)!r})/'cell'
torchrun_train(synth_fundus(n=120, size=32, seed=0), nproc=2, method='instance', arch='test_efficientnet', epochs=1, size=32, bs=8,
               task='dr', seed=0, out=out, n_boot=10, show_bar=False, num_workers=0)
'''
    p = subprocess.run([sys.executable, '-c', code], env=ENV, cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert p.returncode==0, p.stderr[-3000:]
    m = json.loads((tmp_path/'cell'/'metrics.json').read_text())
    test_items = pd.read_csv(tmp_path/'cell'/'preds.csv')
    assert m['test']['n']==len(test_items)==test_items.image.nunique() > 0
    assert not (tmp_path/'cell'/'ddp_args.pkl').exists()
