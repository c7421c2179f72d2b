"""Wall time of a tiny grid run sequentially and with `--executor local --jobs N` (each cell its own process, cores // N threads).

    python bench/executors.py --jobs 2 --out /tmp/bench_exec

Prints a markdown table: executor, cells, wall time, ratio to sequential, and the largest difference of a test score (0 with equal threads: deterministic CPU mode).
The speed-up depends on the cores free: cells of one process already use every core through torch's threads.
"""
import argparse, os, shutil, subprocess, sys, time
from pathlib import Path
import numpy as np, pandas as pd

BIN = Path(sys.executable).parent

def run(out, *extra, args=()):
    t0 = time.time()
    p = subprocess.run([str(BIN/'balmix_compare'), '--out', str(out), *args, *extra], capture_output=True, text=True)
    if p.returncode: sys.exit(p.stderr[-3000:])
    return time.time()-t0

def scores(out):
    df = pd.read_csv(Path(out)/'results.csv')
    df = df[~df.row.str.endswith('[valid]')].set_index(['row', 'run'])
    return df[[c for c in df if c.startswith('test:')]].sort_index()

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--jobs', type=int, default=2, help='Cells at once of the local executor')
    p.add_argument('--methods', default='instance,class,bmu', help='Methods of the grid')
    p.add_argument('--seeds', default='0,1', help='Seeds of the grid')
    p.add_argument('--out', default='/tmp/bench_executors', help='Scratch folder (emptied)')
    a = p.parse_args()
    shutil.rmtree(a.out, ignore_errors=True)
    args = ['--task', 'generic', '--archs', 'test_efficientnet', '--methods', a.methods, '--alphas', '0.2', '--seeds', a.seeds,
            '--epochs', '1', '--size', '32', '--bs', '16', '--n_boot', '10']
    ts = run(Path(a.out)/'seq', args=args)
    tl = run(Path(a.out)/'local', '--executor', 'local', '--jobs', str(a.jobs), '--gpus', '', args=args)
    diff = np.nanmax(np.abs(scores(Path(a.out)/'seq').to_numpy(float) - scores(Path(a.out)/'local').to_numpy(float)))
    n = len(scores(Path(a.out)/'seq'))
    print(f"cores: {len(os.sched_getaffinity(0))}, OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', '-')}\n")
    print('| executor | cells | wall s | ratio to sequential | max test score difference |\n|---|---|---|---|---|')
    print(f'| sequential | {n} | {ts:.1f} | 1.00 | - |')
    print(f'| local --jobs {a.jobs} | {n} | {tl:.1f} | {tl/ts:.2f} | {diff:.1e} |')
