"""Training throughput of Balanced-MixUp on a GPU (issue 12): images/s, data-wait share and peak GPU memory.

One script a GPU owner runs as is. It writes a synthetic on-disk JPEG dataset (synthetic fundus pictures,
EyePACS's class frequencies) at each image size, then for every combination of backbone, image size, batch size
and mode (fp32, or mixed precision with channels-last) trains each method for `--warmup` + `--steps` steps and
times the last `--steps`:

- plain: instance sampling (a shuffled loader), cross-entropy;
- mixup: fastai's `MixUp` (alpha 0.4);
- bmu: balmix `BalancedMixUp` (alpha 0.2), whose class-sampled batch comes from a second loader with its own
  workers (`spare_workers`);
- class: class-based sampling (`QSampling(0)`).

The methods of one configuration are interleaved in one process (`--rounds` rounds, order alternating), so a drift
of the machine's speed hits them alike. Peak GPU memory is counted above what was allocated before each run
(so the resident weights of the other methods' learners are left out). Per method it prints images/s, the share of the step time spent waiting
for data (the training loader's `next()` plus, for bmu, the class-sampled batch), peak GPU memory, and
BMU/plain and BMU/MixUp throughput ratios. Target (issue 12): BMU >= 0.90x plain and >= 0.95x MixUp for ResNeXt-50
at 224 px with mixed precision, on a single modern GPU with enough workers.

    python bench/gpu.py                 # full grid on the GPU (2 archs x 2 sizes x 2 batch sizes x 2 modes x 4 methods)
    python bench/gpu.py --archs resnext50_32x4d --sizes 224 --bs 64        # the target's row only
    python bench/gpu.py --tiny          # seconds on a CPU: tiny images, few steps (the test suite runs this)

`--json FILE` writes the rows. Exits non-zero unless every run measured a positive throughput over all its steps.
"""
from __future__ import annotations
import argparse, json, os, sys, time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from fastai.callback.core import Callback, CancelFitException, CancelValidException
METHODS = dict(plain='instance', mixup='mixup', bmu='bmu', **{'class': 'class'})
TARGET_PLAIN, TARGET_MIXUP = 0.90, 0.95

def write_jpegs(path, n:int, size:int, n_distinct:int=64, seed:int=0):
    "A table of `n` JPEG files of `size` px (`n_distinct` synthetic fundus pictures, reused), labels in EyePACS's frequencies"
    import numpy as np
    from PIL import Image
    from balmix.data import draw_fundus, make_table, EYEPACS_FREQS
    path = Path(path)/f'jpeg{size}'
    path.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    p = np.asarray(EYEPACS_FREQS, dtype=float)
    labels = rng.choice(len(p), size=n, p=p/p.sum())
    labels[:len(p)] = np.arange(len(p))  # every class present
    files = [path/f'{i:06d}_{g}.jpg' for i,g in enumerate(labels)]
    pics = {}
    for i,(f,g) in enumerate(zip(files, labels)):
        if f.exists(): continue
        k = (int(g), i % max(1, n_distinct//len(p)))
        if k not in pics: pics[k] = Image.fromarray(draw_fundus(k[0], size, rng=hash(k) % 2**32))
        pics[k].save(f, quality=90)
    split = np.where(np.arange(n) < n-max(len(p), n//20), 'train', 'valid')
    return make_table([str(f) for f in files], labels.tolist(), list(range(len(p))), split=split)

class StepTimer(Callback):
    "Count training steps, time the last `steps` after `warmup` (data wait apart), skip validation, then stop"
    order = -100  # first in `before_batch`: before Balanced-MixUp fetches its class-sampled batch
    def __init__(self, warmup:int, steps:int, sync): self.warmup, self.steps, self.sync = warmup, steps, sync
    def before_fit(self):
        self.n, self.t_end, self.wait, self.t0 = 0, None, 0., None
        bmu = getattr(self.learn, 'balanced_mix_up', None)
        if bmu is not None and not hasattr(bmu, 'untimed_class_batch'):  # time the class-sampled batch as data wait
            bmu.untimed_class_batch = bmu.class_batch
            def class_batch(n, timer=self):
                t = time.perf_counter(); b = bmu.untimed_class_batch(n)
                if timer.t0 is not None: timer.wait += time.perf_counter()-t
                return b
            bmu.class_batch = class_batch
    def before_validate(self): raise CancelValidException()
    def before_batch(self):
        if self.t0 is not None: self.wait += time.perf_counter()-self.t_end  # waiting for the training loader
    def after_batch(self):
        self.n += 1
        if self.n == self.warmup: self.sync(); self.t0 = time.perf_counter()
        elif self.n == self.warmup+self.steps:
            self.sync(); self.elapsed = time.perf_counter()-self.t0
            raise CancelFitException()
        self.t_end = time.perf_counter()

def run_config(table, arch, size, bs, precision, channels_last, methods, warmup, steps, rounds, workers, device):
    "Rows of images/s, data-wait share and peak memory of each method of one configuration, interleaved in one process"
    import torch
    from fastai.torch_core import set_seed
    from balmix.data import table_dls
    from balmix.learner import make_learner
    cuda = device.type=='cuda'
    sync = torch.cuda.synchronize if cuda else (lambda: None)
    set_seed(0)
    learners, timers = {}, {}
    for m in methods:
        dls = table_dls(table, size=size, bs=bs, num_workers=workers, seed=0, stats=None, pin_memory=cuda, device=device)
        learners[m] = make_learner(dls, method=METHODS[m], arch=arch, task='dr', seed=0, precision=precision,
                                   channels_last=channels_last, path=Path(table['image'][0]).parent)
        learners[m].remove_cb(learners[m].save_model)
        timers[m] = StepTimer(warmup, steps, sync)
    res = {m: dict(images=0, seconds=0., wait=0., steps=0, peak_mb=0.) for m in methods}
    n_epoch = 1 + (warmup+steps) // max(1, len(learners[methods[0]].dls.train))
    for r in range(rounds):
        for m in (methods if r%2==0 else methods[::-1]):
            learn, t = learners[m], timers[m]
            if cuda: torch.cuda.reset_peak_memory_stats(device); base = torch.cuda.memory_allocated(device)
            with learn.no_bar(), learn.no_logging(): learn.fit(n_epoch+1, 1e-3, cbs=t)
            if t.n < warmup+steps: raise RuntimeError(f"{m}: only {t.n} of {warmup+steps} steps ran")
            o = res[m]
            o['images'] += steps*bs; o['seconds'] += t.elapsed; o['wait'] += t.wait; o['steps'] += steps
            if cuda: o['peak_mb'] = max(o['peak_mb'], (torch.cuda.max_memory_allocated(device)-base)/2**20)  # above the weights held
    rows = []
    for m in methods:
        o = res[m]
        rows.append(dict(arch=arch, size=size, bs=bs, precision=precision, channels_last=channels_last, method=m,
                         workers=workers, steps=o['steps'], images_s=o['images']/o['seconds'], wait_share=o['wait']/o['seconds'],
                         peak_gpu_mb=o['peak_mb'] if cuda else None))
    by = {r['method']: r['images_s'] for r in rows}
    for r in rows:
        if r['method']=='bmu':
            r['bmu_plain'] = by['bmu']/by['plain'] if 'plain' in by else None
            r['bmu_mixup'] = by['bmu']/by['mixup'] if 'mixup' in by else None
    return rows

def fmt_table(rows):
    "Markdown table of `rows`"
    out = ['| arch | px | bs | precision | channels-last | method | images/s | data wait | peak GPU MB (above weights) | BMU/plain | BMU/MixUp |',
           '|---|---|---|---|---|---|---|---|---|---|---|']
    f = lambda x, d=2: '-' if x is None else f'{x:.{d}f}'
    for r in rows:
        out.append(f"| {r['arch']} | {r['size']} | {r['bs']} | {r['precision']} | {'yes' if r['channels_last'] else 'no'} "
                   f"| {r['method']} | {r['images_s']:.1f} | {100*r['wait_share']:.0f} % | {f(r['peak_gpu_mb'], 0)} "
                   f"| {f(r.get('bmu_plain'))} | {f(r.get('bmu_mixup'))} |")
    return '\n'.join(out)

def check(rows, n_expected):
    "The self-check: one row per run, each with a positive throughput over all its steps"
    bad = [r for r in rows if not (r['images_s'] > 0 and r['steps'] > 0 and 0 <= r['wait_share'] <= 1)]
    if len(rows) != n_expected or bad: raise SystemExit(f"Measured {len(rows)} of {n_expected} runs; bad rows: {bad}")

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--archs', default='mobilenetv2_100,resnext50_32x4d', help='comma-separated timm backbones')
    ap.add_argument('--sizes', default='224,512', help='comma-separated image sizes (one JPEG dataset each)')
    ap.add_argument('--bs', default='32,64', help='comma-separated batch sizes')
    ap.add_argument('--modes', default=None, help="comma-separated precisions, '+cl' for channels-last "
                    "(default: fp32 and bf16+cl on a GPU with bf16, else fp16+cl; fp32 and bf16+cl on a CPU)")
    ap.add_argument('--methods', default=','.join(METHODS), help=f"comma-separated, of {', '.join(METHODS)}")
    ap.add_argument('--steps', type=int, default=200, help='timed steps per method and round, after the warm-up')
    ap.add_argument('--warmup', type=int, default=20, help='untimed steps before each timed window')
    ap.add_argument('--rounds', type=int, default=2, help='rounds of interleaved runs (order alternating)')
    ap.add_argument('--workers', type=int, default=None, help='DataLoader workers of the training loader (default: half the CPUs)')
    ap.add_argument('--n-images', type=int, default=16384, help='JPEG files per image size (enough that a run stays in one epoch at bs 64)')
    ap.add_argument('--data', default=None, help='folder for the JPEG datasets (default: a temporary folder)')
    ap.add_argument('--json', default=None, help='write the rows to this JSON file')
    ap.add_argument('--tiny', action='store_true', help='CPU smoke run: mobilenetv2_100, 32 px, bs 8, 4 steps, fp32 and bf16+cl, 1 thread')
    a = ap.parse_args(argv)
    import tempfile, torch
    from fastai.torch_core import default_device
    device = default_device()
    if a.tiny:
        a.archs, a.sizes, a.bs, a.steps, a.warmup, a.rounds, a.n_images = 'mobilenetv2_100', '32', '8', 4, 1, 1, 64
        a.workers = 0 if a.workers is None else a.workers
        torch.set_num_threads(1)  # a smoke run: on a busy CPU, more threads spin and oversubscribe (bf16 went 70x slower)
    if a.modes is None:
        amp = 'bf16' if device.type!='cuda' or torch.cuda.is_bf16_supported() else 'fp16'
        a.modes = f'fp32,{amp}+cl'
    workers = a.workers if a.workers is not None else max(1, (os.cpu_count() or 2)//2)
    csv = lambda s, conv=str: [conv(x) for x in s.split(',') if x]
    modes = [(m.split('+')[0], m.endswith('+cl')) for m in csv(a.modes)]
    methods = csv(a.methods)
    gpu = torch.cuda.get_device_name(device) if device.type=='cuda' else f'CPU ({os.cpu_count()} cores)'
    print(f'# device: {gpu}; torch {torch.__version__}; training-loader workers {workers}; load average '
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
    tmp = tempfile.TemporaryDirectory() if a.data is None else None
    data = Path(a.data or tmp.name)
    rows, n_runs = [], 0
    try:
        for size in csv(a.sizes, int):
            t = time.perf_counter()
            table = write_jpegs(data, a.n_images, size)
            print(f'# {a.n_images} JPEGs at {size} px in {data} ({time.perf_counter()-t:.1f} s)', flush=True)
            for arch in csv(a.archs):
                for bs in csv(a.bs, int):
                    for prec, cl in modes:
                        rs = run_config(table, arch, size, bs, prec, cl, methods, a.warmup, a.steps, a.rounds, workers, device)
                        n_runs += len(methods)
                        for r in rs: print(f"{arch} {size}px bs {bs} {prec}{'+cl' if cl else ''} {r['method']:5s}: "
                                           f"{r['images_s']:.1f} images/s, data wait {100*r['wait_share']:.0f} %", flush=True)
                        rows += rs
    finally:
        if tmp is not None: tmp.cleanup()
    print(f"\n## Training throughput ({a.rounds} round(s) x {a.steps} timed steps per method after {a.warmup} warm-up steps; "
          f"{gpu})\n")
    print(fmt_table(rows))
    for r in rows:
        if r['method']=='bmu' and r['arch'].startswith('resnext50') and r['size']==224 and r['precision']!='fp32' and r.get('bmu_plain'):
            ok = r['bmu_plain'] >= TARGET_PLAIN and (r.get('bmu_mixup') or 0) >= TARGET_MIXUP
            print(f"target (ResNeXt-50, 224 px, bs {r['bs']}, {r['precision']}): BMU/plain {r['bmu_plain']:.3f} >= {TARGET_PLAIN}, "
                  f"BMU/MixUp {r.get('bmu_mixup') or 0:.3f} >= {TARGET_MIXUP}: {'met' if ok else 'MISSED'}")
    if a.json: Path(a.json).write_text(json.dumps(rows, indent=1))
    check(rows, n_runs)
    return rows

if __name__ == '__main__': main()
