"Time `balmix.metrics.bootstrap` (n resamples, all six metrics) and `calibrate`'s bootstrap on synthetic predictions of the paper's sizes."
import time, warnings
import numpy as np, pandas as pd
from fastcore.script import call_parse
from balmix.metrics import bootstrap, score, bootstrap_idx
from balmix.calibration import calibrate, ece, brier, nll, rps

def _case(n_items, n_classes, seed=0):
    "Imbalanced labels (EyePACS-like class frequencies for 5 classes) and probabilities that agree with them"
    rng = np.random.default_rng(seed)
    freq = np.array([25810, 2443, 5292, 873, 708], float) if n_classes==5 else rng.pareto(1., n_classes)+0.05
    y = rng.choice(n_classes, n_items, p=freq/freq.sum())
    logits = rng.normal(size=(n_items, n_classes)); logits[np.arange(n_items), y] += 2.
    p = np.exp(logits); return y, p/p.sum(1, keepdims=True)

def _cal_loop(y, p, n, seed=0):
    "Calibration bootstrap one resample at a time with the public metric functions (the reference)"
    s = pd.DataFrame([{f.__name__: f(p[i], y[i]) for f in (ece, brier, nll, rps)} for idx in bootstrap_idx(y, n, True, seed) for i in idx])
    return s.agg(['mean', 'std'])

def _timed(f):
    t0 = time.perf_counter(); r = f(); return r, time.perf_counter()-t0

def calibration_table(n, loop_max):
    "Seconds of `calibrate(..., ordinal=True, n_boot=n)` against the per-resample loop (before scaling), and their largest difference"
    rows = []
    for n_items,n_classes in ((55_000, 5), (10_662, 23), (1_748, 5)):
        y,p = _case(n_items, n_classes)
        rep, t = _timed(lambda: calibrate(p, y, p, y, ordinal=True, n_boot=n))
        t0 = _timed(lambda: calibrate(p, y, p, y, ordinal=True))[1]
        row = dict(items=n_items, classes=n_classes, n=n, calibrate_s=t, bootstrap_s=(t-t0)/2)  # it bootstraps twice: before and after scaling
        if n_items <= loop_max:
            ref, t_loop = _timed(lambda: _cal_loop(y, p, n))
            row.update(loop_s=t_loop, loop_over_bootstrap=t_loop/row['bootstrap_s'],
                       max_abs_diff=max(abs(rep['bootstrap']['before'][k][s]-ref.loc[s, k]) for k in ref.columns for s in ('mean', 'std')))
        rows.append(row)
    return pd.DataFrame(rows)

@call_parse
def main(n:int=1000, # bootstrap resamples
         repeats:int=1, # timings per case (the best is shown)
         loop_max:int=11_000, # time the per-resample calibration loop up to this many items (it is slow)
        ):
    "Print a table of bootstrap timings, then one of calibration bootstrap timings"
    rows = []
    for n_items,n_classes,stratified in ((55_000, 5, True), (55_000, 5, False), (10_662, 23, True), (1_748, 5, True)):
        y,p = _case(n_items, n_classes)
        times = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter('ignore')
                bs = bootstrap(y, p, n=n, stratified=stratified)
                times.append(time.perf_counter()-t0)
                t0 = time.perf_counter(); score(y, p); t_score = time.perf_counter()-t0
        rows.append(dict(items=n_items, classes=n_classes, stratified=stratified, n=n, seconds=min(times),
                         score_s=t_score, kappa=f"{bs.loc['quad_kappa','mean']:.4f}±{bs.loc['quad_kappa','std']:.4f}",
                         mauc=f"{bs.loc['mauc','mean']:.4f}±{bs.loc['mauc','std']:.4f}"))
    print(pd.DataFrame(rows).to_string(index=False, float_format=lambda v: f"{v:.2f}"))
    print('\ncalibrate(..., ordinal=True, n_boot=n): vectorised bootstrap (before and after scaling) against one resample at a time; bootstrap_s and loop_s: one bootstrap (before scaling)')
    print(calibration_table(n, loop_max).to_string(index=False, float_format=lambda v: f"{v:.3g}"))
