"""Overhead of Balanced-MixUp against plain training and fastai's MixUp (issue 2, section 5).

Trains timm `mobilenetv2_100` (pretrained=False) on RetinaMNIST's train split resized to 64x64 with batch size 32
with three configurations (plain, fastai `MixUp()`, balmix `BalancedMixUp()`, both at their defaults, the registry's) per `num_workers`:
- times: "paired" runs, the three Learners in one fresh subprocess with their epochs interleaved (a warm-up round,
  then one epoch of each per round, order alternating), so that the speed of that process and of the machine at that
  moment hits every configuration alike (runs of one configuration in separate processes differ by up to 25 % here);
- memory: each configuration alone in its own fresh subprocess, so that its peak resident memory is its own;
then times building a `SampledDL` and drawing one epoch (`get_idxs()`) for 1,000,000 and 10,000,000 labels
(issue 12: each under 0.5 s), next to the former implementation (argsort, `torch.multinomial`, `.tolist()`).

    python bench/overhead.py                  # full run: workers 0 and 2, 3 paired runs of warm-up + 3 epochs
    python bench/overhead.py --quick          # smoke run: workers 0, 1 timed epoch, 1 repeat
    python bench/overhead.py --sampling-only  # only the sampling table (about 1 min)

Besides the table it prints the BMU/MixUp ratio of every paired run and, as a low-noise check of the workers-0
figure, the time of one pass of the training loader and of the class-sampled loader on their own.
"""
from __future__ import annotations
import argparse, json, os, resource, signal, statistics, subprocess, sys, time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO.parent/'shared'/'data'/'retinamnist'/'retinamnist.npz'
CONFIGS = ('plain', 'mixup', 'bmu')
TARGET_BMU_MIXUP, TARGET_RSS = 1.15, 1.10

# ---------------------------------------------------------------- child: one training run

_TICK = os.sysconf('SC_CLK_TCK')

def _live_children():
    "Pids of this process's live children (DataLoader workers), from /proc"
    pids = []
    for t in os.listdir('/proc/self/task'):
        try: pids += [int(x) for x in Path(f'/proc/self/task/{t}/children').read_text().split()]
        except OSError: pass
    return pids

def _proc_field(pid, fname, key):
    "Value in kB of `key` in /proc/`pid`/`fname`, 0 if the process is gone"
    try:
        for l in Path(f'/proc/{pid}/{fname}').read_text().splitlines():
            if l.startswith(key): return int(l.split()[1])
    except OSError: pass
    return 0

def cpu_now():
    "CPU seconds used so far by this process, its reaped children and its live children"
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    live = 0
    for pid in _live_children():
        try: f = Path(f'/proc/{pid}/stat').read_text().rsplit(')', 1)[1].split(); live += (int(f[11])+int(f[12]))/_TICK
        except (OSError, IndexError): pass
    return time.process_time() + ru.ru_utime + ru.ru_stime + live

class MemSampler:
    "Background thread sampling the summed RSS of live children and the PSS of this process plus its children"
    def __init__(self, every=0.2):
        import threading
        self.every, self.workers_rss_kb, self.total_pss_kb, self.max_workers = every, 0, 0, 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.loop, daemon=True)
    def sample(self):
        kids = _live_children()
        self.max_workers = max(self.max_workers, len(kids))
        self.workers_rss_kb = max(self.workers_rss_kb, sum(_proc_field(p, 'status', 'VmRSS:') for p in kids))
        self.total_pss_kb = max(self.total_pss_kb, sum(_proc_field(p, 'smaps_rollup', 'Pss:') for p in ['self', *kids]))
    def loop(self):
        while not self.stop.wait(self.every): self.sample()
    def __enter__(self): self.thread.start(); return self
    def __exit__(self, *a): self.stop.set(); self.thread.join(); self.sample()

class ArrayItem:
    "`get_x` returning the image array of row `r` (picklable, unlike a lambda)"
    def __init__(self, imgs): self.imgs = imgs
    def __call__(self, r): return self.imgs[r['idx']]

def make_dls(data, workers:int, bs:int=32, size:int=64, seed:int=0):
    "DataLoaders over RetinaMNIST's train (training) and val (validation) splits"
    import numpy as np, pandas as pd
    from fastai.vision.all import (DataBlock, ImageBlock, CategoryBlock, ColReader, ColSplitter, Resize,
                                   Normalize, imagenet_stats)
    d = np.load(data)
    imgs = np.concatenate([d['train_images'], d['val_images']])
    labels = np.concatenate([d['train_labels'][:, 0], d['val_labels'][:, 0]])
    df = pd.DataFrame(dict(idx=np.arange(len(imgs)), label=labels,
                           is_valid=np.arange(len(imgs))>=len(d['train_images'])))
    dblock = DataBlock(blocks=(ImageBlock, CategoryBlock), get_x=ArrayItem(imgs), get_y=ColReader('label'),
                       splitter=ColSplitter('is_valid'), item_tfms=Resize(size),
                       batch_tfms=Normalize.from_stats(*imagenet_stats))
    return dblock.dataloaders(df, bs=bs, num_workers=workers, seed=seed)

def make_learner(cfg:str, dls, bmu_workers:int|None=None):
    "A `Learner` for `cfg` (plain, mixup, bmu) with an `epoch_timer` callback, no progress bar and no logging"
    import timm
    from fastai.vision.all import Learner, Callback, SGD, CrossEntropyLossFlat, MixUp, noop
    from balmix.callback import BalancedMixUp

    class EpochTimer(Callback):
        "Wall and CPU (process + workers) seconds of each epoch and of its training phase"
        order = 99
        def __init__(self): self.train_s, self.epoch_s, self.cpu_s = [], [], []
        def before_epoch(self): self.t0, self.c0 = time.perf_counter(), cpu_now()
        def before_train(self): self.t1 = time.perf_counter()
        def after_train(self): self.train_s.append(time.perf_counter()-self.t1)
        def after_epoch(self): self.epoch_s.append(time.perf_counter()-self.t0); self.cpu_s.append(cpu_now()-self.c0)

    cbs = dict(plain=[], mixup=[MixUp()], bmu=[BalancedMixUp(seed=0, num_workers=bmu_workers)])[cfg]
    model = timm.create_model('mobilenetv2_100', pretrained=False, num_classes=dls.c)
    learn = Learner(dls, model, loss_func=CrossEntropyLossFlat(), opt_func=SGD, lr=0.01, cbs=[EpochTimer(), *cbs])
    learn.remove_cbs([cb for cb in learn.cbs if type(cb).__name__=='ProgressCallback'])  # no bar; Recorder kept
    learn.logger = noop
    return learn

def _setup(data, workers):
    import torch
    from fastai.vision.all import set_seed
    torch.set_num_threads(2)
    set_seed(0)
    return make_dls(data, workers)

def run_child(cfg:str, data:str, workers:int, epochs:int, profile:bool=False, bmu_workers:int|None=None):
    "Warm-up epoch + `epochs` epochs of `cfg` alone in this process; print one JSON line with times and peak memory"
    import gc
    learn = make_learner(cfg, _setup(data, workers), bmu_workers)
    timer = learn.epoch_timer
    if profile:
        import cProfile, pstats
        learn.fit(1, 0.01)  # warm-up
        pr = cProfile.Profile(); pr.enable(); learn.fit(epochs, 0.01); pr.disable()
        print(f'{cfg} workers {workers}: epochs {[round(x, 2) for x in timer.epoch_s]}')
        pstats.Stats(pr, stream=sys.stdout).sort_stats('tottime').print_stats(25)
        pstats.Stats(pr, stream=sys.stdout).sort_stats('cumulative').print_stats(40)
        return
    with MemSampler() as mem:
        learn.fit_one_cycle(1+epochs, 0.01)
        del learn; gc.collect()  # let any live worker iterator shut down
    print('RESULT ' + json.dumps(dict(cfg=cfg, workers=workers, train_s=timer.train_s[1:], epoch_s=timer.epoch_s[1:],
        cpu_s=timer.cpu_s[1:], warmup_s=timer.epoch_s[0], rss_self_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss/1024,
        rss_workers_mb=mem.workers_rss_kb/1024, pss_total_mb=mem.total_pss_kb/1024, max_workers=mem.max_workers)), flush=True)

def run_paired(data:str, workers:int, epochs:int, bmu_workers:int|None=None):
    "All configs in this one process, epochs interleaved (a warm-up round, then `epochs` rounds in alternating order)"
    dls = _setup(data, workers)
    learners = {cfg: make_learner(cfg, dls, bmu_workers) for cfg in CONFIGS}
    for i in range(1+epochs):
        for cfg in (CONFIGS if i%2==0 else CONFIGS[::-1]): learners[cfg].fit(1, 0.01)
    print('RESULT ' + json.dumps({cfg: {k: getattr(l.epoch_timer, k)[1:] for k in ('epoch_s', 'train_s', 'cpu_s')}
                                  for cfg,l in learners.items()}), flush=True)

def run_passes(data:str, reps:int=5):
    "Median seconds of one pass over the training loader and over its class-sampled loader, workers 0, no model"
    from balmix.sampling import sampled_dl
    dls = _setup(data, 0)
    loaders = dict(train=dls.train, class_sampled=sampled_dl(dls.train, q=0., seed=0))
    def one_pass(dl):
        t = time.perf_counter()
        for _ in dl: pass
        return time.perf_counter()-t
    for dl in loaders.values(): one_pass(dl)  # warm-up
    res = {k: statistics.median(one_pass(dl) for _ in range(reps)) for k,dl in loaders.items()}
    print('RESULT ' + json.dumps(res), flush=True)

# ---------------------------------------------------------------- child: sampling timings (issue 12)

TARGET_SAMPLING_S = 0.5

class Cheap:
    "Identity `get_x`: the item itself"
    def __call__(self, r): return 0

def former_sampling(labels, probs, seed:int=0):
    "The former `SampledDL` (before issue 12): build = bincount + argsort; draw = one epoch as a list"
    import numpy as np, torch
    from balmix.sampling import _epoch_seed
    def build():
        counts = np.bincount(labels)
        order = torch.from_numpy(np.argsort(labels, kind='stable'))
        starts = torch.from_numpy(np.concatenate([[0], np.cumsum(counts)[:-1]]))
        return counts, order, starts
    def draw(counts, order, starts):
        g = torch.Generator().manual_seed(_epoch_seed(seed, 0))
        cls = torch.multinomial(torch.as_tensor(probs, dtype=torch.float64), len(labels), replacement=True, generator=g)
        cnt = torch.from_numpy(counts)[cls]
        within = (torch.rand(len(labels), generator=g, dtype=torch.float64)*cnt).long().clamp_max(cnt-1)
        return order[starts[cls]+within].tolist()
    return build, draw

def _timed(f):
    "(result, wall s, CPU s) of `f()`"
    t, c = time.perf_counter(), time.process_time()
    res = f()
    return res, time.perf_counter()-t, time.process_time()-c

def _peak_mb(f):
    "Peak memory (MB) numpy and Python allocate while `f()` runs, above what was allocated before (tracemalloc)"
    import tracemalloc, gc
    gc.collect(); tracemalloc.start()
    try: res = f(); return res, tracemalloc.get_traced_memory()[1]/2**20
    finally: tracemalloc.stop()

def run_sampling(ns=(1_000_000, 10_000_000), n_classes:int=5, reps:int=5, df_n:int=0):
    """Build s and one-epoch draw s of `sampled_dl(dl, q=0, labels=...)` and of the former code, side by side in this
    process (alternating; min and median of `reps`), peak memory, and (`df_n` labels) `dataset_labels` over a DataFrame"""
    import gc, numpy as np, torch
    from fastai.data.all import Datasets, TfmdDL, ColReader, Categorize
    from balmix.sampling import sampled_dl, dataset_labels, class_probs
    torch.set_num_threads(2)
    rng, res = np.random.default_rng(0), dict(rows=[])
    p = 0.7**np.arange(n_classes); p /= p.sum()
    for n in ns:
        labels = rng.choice(n_classes, size=n, p=p)
        dl = TfmdDL(np.zeros(n, dtype=np.uint8), bs=64, num_workers=0)
        probs = class_probs(np.bincount(labels), 0.)
        old_build, old_draw = former_sampling(labels, probs)
        new_build = lambda: sampled_dl(dl, q=0., seed=0, labels=labels)
        t = {k: [] for k in ('new_build', 'new_draw', 'old_build', 'old_draw')}
        for rep in range(reps):
            for impl in (('new', 'old') if rep%2==0 else ('old', 'new')):
                if impl=='new':
                    sdl, w, c = _timed(new_build); t['new_build'].append((w, c))
                    idxs, w, c = _timed(sdl.get_idxs); t['new_draw'].append((w, c))
                else:
                    st, w, c = _timed(old_build); t['old_build'].append((w, c))
                    old, w, c = _timed(lambda: old_draw(*st)); t['old_draw'].append((w, c))
                    assert len(old)==len(idxs)  # the draws differ: numpy's PCG64 replaced torch's generator
                    del st, old
                gc.collect()
        _, list_s, _ = _timed(lambda: list(idxs))  # what `DistribDL.get_idxs` does with it
        del sdl, idxs; gc.collect()
        sdl, build_mb = _peak_mb(new_build)
        _, draw_mb = _peak_mb(sdl.get_idxs)
        del sdl; gc.collect()
        st, old_build_mb = _peak_mb(old_build)
        _, old_draw_mb = _peak_mb(lambda: old_draw(*st))
        del st; gc.collect()
        med = lambda k, i: min(x[i] for x in t[k])  # the least disturbed of `reps` runs on a busy machine
        for impl, mb in (('new', (build_mb, draw_mb)), ('former', (old_build_mb, old_draw_mb))):
            k = 'new' if impl=='new' else 'old'
            tot = [b[0]+d[0] for b,d in zip(t[f'{k}_build'], t[f'{k}_draw'])]
            res['rows'].append(dict(n=n, impl=impl, total_min=min(tot), total_med=statistics.median(tot), load=load_avg(), build_s=med(f'{k}_build', 0), build_cpu=med(f'{k}_build', 1),
                                    draw_s=med(f'{k}_draw', 0), draw_cpu=med(f'{k}_draw', 1), build_mb=mb[0], draw_mb=mb[1],
                                    labels_mb=labels.nbytes/2**20))
        res['rows'][-2]['list_s'] = list_s
    if df_n:
        y = rng.choice(n_classes, size=df_n, p=p)
        dsets, setup_s, _ = _timed(lambda: Datasets(pd_frame(y), [[Cheap()], [ColReader('label'), Categorize()]]))
        dl = TfmdDL(dsets, bs=64, num_workers=0)
        labels, lab_s, _ = _timed(lambda: dataset_labels(dsets))
        assert len(labels)==df_n
        sdl, b_s, _ = _timed(lambda: sampled_dl(dl, q=0., seed=0))
        idxs, d_s, _ = _timed(sdl.get_idxs)
        res['dataframe'] = dict(n=df_n, setup_s=setup_s, labels_s=lab_s, build_s=b_s, draw_s=d_s,
                                class_freq_q0=(np.bincount(labels[np.asarray(idxs)], minlength=n_classes)/df_n).round(4).tolist())
    print('RESULT ' + json.dumps(res), flush=True)

def pd_frame(y):
    "A DataFrame with the labels `y` as strings in column `label`"
    import pandas as pd
    return pd.DataFrame(dict(label=y.astype(str)))

def sampling_table(s):
    "Markdown table of `run_sampling`'s result"
    out = ['| labels | implementation | build s (CPU s) | draw s (CPU s) | build + draw s, min (median) | peak MB build, draw | '
           f'build < {TARGET_SAMPLING_S} s | draw < {TARGET_SAMPLING_S} s | build + draw < {TARGET_SAMPLING_S} s | load average |',
           '|---|---|---|---|---|---|---|---|---|---|']
    ok = lambda x: 'met' if x < TARGET_SAMPLING_S else 'MISSED'
    for r in s['rows']:
        out.append(f"| {r['n']:,} | {r['impl']} | {r['build_s']:.3f} ({r['build_cpu']:.3f}) | {r['draw_s']:.3f} ({r['draw_cpu']:.3f}) "
                   f"| {r['total_min']:.3f} ({r['total_med']:.3f}) | {r['build_mb']:.0f}, {r['draw_mb']:.0f} | {ok(r['build_s'])} "
                   f"| {ok(r['draw_s'])} | {ok(r['total_min'])} | {r['load']} |")
    notes = [f"`list()` of the {r['n']:,}-index draw (what `DistribDL.get_idxs` does): {r['list_s']:.3f} s"
             for r in s['rows'] if 'list_s' in r]
    sizes = ', '.join(f"{r['labels_mb']:.0f} MB" for r in s['rows'][::2])
    notes.append(f"labels given as int64 arrays ({sizes}), not counted in the peaks")
    if 'dataframe' in s:
        d = s['dataframe']
        notes.append(f"labels read from a {d['n']:,}-row DataFrame by `dataset_labels`: {d['labels_s']:.3f} s, then build "
                     f"{d['build_s']:.3f} s, draw {d['draw_s']:.3f} s (building the `Datasets` itself, not counted: "
                     f"{d['setup_s']:.1f} s; class frequencies drawn with q=0: {d['class_freq_q0']})")
    return '\n'.join(out) + '\n\n' + '\n'.join(f'- {x}' for x in notes)

# ---------------------------------------------------------------- parent: orchestrate, table

def spawn(args:list[str]):
    "Run this script as a fresh child with `args` and return its parsed RESULT line; the child dies with us"
    env = dict(os.environ, OMP_NUM_THREADS='2', MKL_NUM_THREADS='2')
    p = subprocess.Popen([sys.executable, __file__, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True, env=env, cwd=REPO)
    try: out, err = p.communicate()
    finally:
        if p.poll() is None: p.kill(); p.wait()
    lines = [l for l in out.splitlines() if l.startswith('RESULT ')]
    if p.returncode or not lines:
        sys.exit(f"Child {' '.join(args)} failed (exit {p.returncode}):\n{out[-2000:]}\n{err[-4000:]}")
    return json.loads(lines[-1][7:])

def load_avg(): return ' '.join(f'{x:.2f}' for x in os.getloadavg())

def table(timed, mem, configs, workers):
    "Markdown table: medians over all timed epochs of `timed` (paired runs), peak memory of `mem` (runs alone), ratios"
    agg, med = {}, lambda rs, k: statistics.median([x for r in rs for x in r[k]])
    for cfg in configs:
        for w in workers:
            ts, ms = ([r for r in rs if r['cfg']==cfg and r['workers']==w] for rs in (timed, mem))
            agg[cfg, w] = dict(epoch=med(ts, 'epoch_s'), train=med(ts, 'train_s'), cpu=med(ts, 'cpu_s'), alone=med(ms, 'epoch_s'),
                               self_rss=max(r['rss_self_mb'] for r in ms), wrk_rss=max(r['rss_workers_mb'] for r in ms),
                               pss=max(r['pss_total_mb'] for r in ms), nw=max(r['max_workers'] for r in ms))
            agg[cfg, w]['rss'] = agg[cfg, w]['self_rss'] + agg[cfg, w]['wrk_rss']
    out = ['| config | workers | median s/epoch | median train s/epoch | median CPU s/epoch | s/epoch run alone '
           '| peak RSS MB (main + workers) | peak PSS MB | ratio vs plain (s/epoch, CPU, RSS) | ratio vs MixUp (s/epoch, CPU, RSS) |',
           '|---|---|---|---|---|---|---|---|---|---|']
    def rat(a, b): return '-' if b is a else ', '.join(f'{a[k]/b[k]:.2f}' for k in ('epoch', 'cpu', 'rss'))
    for w in workers:
        for cfg in configs:
            a = agg[cfg, w]
            out.append(f"| {cfg} | {w} | {a['epoch']:.2f} | {a['train']:.2f} | {a['cpu']:.2f} | {a['alone']:.2f} | {a['rss']:.0f} "
                       f"({a['self_rss']:.0f} + {a['wrk_rss']:.0f} in <= {a['nw']} procs) | {a['pss']:.0f} "
                       f"| {rat(a, agg['plain', w])} | {rat(a, agg['mixup', w])} |")
    return '\n'.join(out), agg

def round_ratios(runs, w, a='bmu', b='mixup'):
    "Ratio `a`/`b` of the s/epoch of every round of the paired runs at `w` workers (the two epochs ran back to back)"
    ep = lambda cfg: [x for r in runs if r['cfg']==cfg and r['workers']==w for x in r['epoch_s']]
    return [x/y for x,y in zip(ep(a), ep(b))]

def quartiles(xs): return statistics.quantiles(xs, n=4) if len(xs)>1 else [xs[0]]*3

def fmt(xs, nd=2): return str([round(x, nd) for x in xs])

def print_sampling(s):
    print(f"\n## Building a SampledDL and drawing one epoch (class sampling, 5 classes; min of 5 runs, new and "
          f"former alternating in one process; wall s, CPU s in brackets)\n")
    print(sampling_table(s))
    print(f'# load average at end: {load_avg()}')

def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--data', default=str(DEFAULT_DATA), help='path to retinamnist.npz')
    ap.add_argument('--epochs', type=int, default=3, help='timed epochs per run (after one warm-up epoch)')
    ap.add_argument('--workers', default='0,2', help='comma-separated num_workers values')
    ap.add_argument('--reps', type=int, default=3, help='paired timing runs (all configs in one process, epochs interleaved)')
    ap.add_argument('--mem-reps', type=int, default=1, help='runs of each config alone in a fresh process (peak memory)')
    ap.add_argument('--n-labels', default='1000000,10000000', help='comma-separated label counts for the sampling timing')
    ap.add_argument('--sampling-only', action='store_true', help='only the sampling timings (build + one epoch, issue 12)')
    ap.add_argument('--sampling-df', type=int, default=1_000_000, help=argparse.SUPPRESS)
    ap.add_argument('--quick', action='store_true', help='smoke run: 1 epoch, workers 0, 1 repeat')
    ap.add_argument('--profile', help='cProfile one run of this config (plain, mixup, bmu) on the first --workers value')
    ap.add_argument('--bmu-workers', type=int, default=None, help="worker processes of BalancedMixUp's class-sampled loader (default: `spare_workers`)")
    ap.add_argument('--child', help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child == 'sampling': return run_sampling([int(n) for n in args.n_labels.split(',')], df_n=args.sampling_df)
    if args.sampling_only:
        print(f'# load average at start: {load_avg()} on {os.cpu_count()} CPUs', flush=True)
        return print_sampling(spawn(['--child', 'sampling', '--n-labels', args.n_labels, '--sampling-df', '0']))
    if args.child == 'passes': return run_passes(args.data)
    if args.child == 'paired': return run_paired(args.data, int(args.workers), args.epochs, args.bmu_workers)
    if args.child: return run_child(args.child, args.data, int(args.workers), args.epochs, args.profile=='1', args.bmu_workers)

    signal.signal(signal.SIGTERM, lambda *a: sys.exit(143))  # run `finally` so children are killed too
    if not Path(args.data).is_file():
        sys.exit(f"RetinaMNIST not found at {args.data}: pass --data PATH/TO/retinamnist.npz "
                 "(keys train_images (N,28,28,3) uint8, train_labels (N,1))")
    if args.quick: args.epochs, args.workers, args.reps = 1, '0', 1
    workers = [int(w) for w in args.workers.split(',')]
    if args.profile:
        return subprocess.run([sys.executable, __file__, '--child', args.profile, '--workers', str(workers[0]),
                               '--epochs', str(args.epochs), '--data', args.data, '--profile', '1'], cwd=REPO).returncode
    print(f'# load average at start: {load_avg()} on {os.cpu_count()} CPUs', flush=True)
    bw = [] if args.bmu_workers is None else ['--bmu-workers', str(args.bmu_workers)]
    common = lambda w: ['--workers', str(w), '--epochs', str(args.epochs), '--data', args.data, *bw]
    mem = []
    for rep in range(args.mem_reps):
        for w in workers:
            for cfg in (CONFIGS if rep%2==0 else CONFIGS[::-1]):
                r = spawn(['--child', cfg, *common(w)])
                mem.append(r)
                print(f"alone {rep} workers {w} {cfg:5s}: epochs {fmt(r['epoch_s'])} warm-up {r['warmup_s']:.2f} "
                      f"CPU {fmt(r['cpu_s'], 1)} RSS {r['rss_self_mb']:.0f}+{r['rss_workers_mb']:.0f} MB "
                      f"PSS {r['pss_total_mb']:.0f} MB  load {load_avg()}", flush=True)
    timed = []
    for rep in range(args.reps):
        for w in workers:
            res = spawn(['--child', 'paired', *common(w)])
            for cfg in CONFIGS:
                timed.append(dict(cfg=cfg, workers=w, **res[cfg]))
                print(f"paired {rep} workers {w} {cfg:5s}: epochs {fmt(res[cfg]['epoch_s'])} "
                      f"train {fmt(res[cfg]['train_s'])} CPU {fmt(res[cfg]['cpu_s'], 1)}  load {load_avg()}", flush=True)
    tab, agg = table(timed, mem, CONFIGS, workers)
    print(f'\n## Training overhead (mobilenetv2_100, 64x64, bs 32; times: {args.reps} paired runs x {args.epochs} epochs '
          f'after a warm-up round; memory: {args.mem_reps} run(s) of each config alone)\n')
    print(tab)
    for w in workers:
        b, m, p = agg['bmu', w], agg['mixup', w], agg['plain', w]
        rr = round_ratios(timed, w)
        q1, q2, q3 = quartiles(rr)
        print(f"\nworkers {w}: BMU/MixUp of each round {' '.join(f'{x:.2f}' for x in rr)}")
        print(f"workers {w}: BMU/MixUp median over {len(rr)} rounds {q2:.3f} (quartiles {q1:.3f}-{q3:.3f}; ratio of the medians "
              f"{b['epoch']/m['epoch']:.3f}, CPU {b['cpu']/m['cpu']:.3f}) (target <= {TARGET_BMU_MIXUP}: "
              f"{'met' if q2<=TARGET_BMU_MIXUP else 'MISSED'}); BMU/plain RSS {b['rss']/p['rss']:.3f} "
              f"(target <= {TARGET_RSS}: {'met' if b['rss']/p['rss']<=TARGET_RSS else 'MISSED'})")
    if 0 in workers:
        ps = spawn(['--child', 'passes', '--data', args.data])
        m = agg['mixup', 0]['epoch']
        print(f"\n## One pass of the loaders alone (workers 0, no model, median of 5)\n\n"
              f"training loader {ps['train']:.3f} s, class-sampled loader {ps['class_sampled']:.3f} s: "
              f"expected workers-0 BMU/MixUp from loading the class batch = (MixUp s/epoch + class pass) / MixUp s/epoch "
              f"= {(m+ps['class_sampled'])/m:.3f}")
    print_sampling(spawn(['--child', 'sampling', '--n-labels', args.n_labels, '--sampling-df', str(args.sampling_df)]))

if __name__ == '__main__': main()
