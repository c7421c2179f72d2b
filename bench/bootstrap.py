"Time `balmix.metrics.bootstrap` (n resamples, all six metrics) on synthetic predictions of the paper's sizes."
import time, warnings
import numpy as np, pandas as pd
from fastcore.script import call_parse
from balmix.metrics import bootstrap, score

def _case(n_items, n_classes, seed=0):
    "Imbalanced labels (EyePACS-like class frequencies for 5 classes) and probabilities that agree with them"
    rng = np.random.default_rng(seed)
    freq = np.array([25810, 2443, 5292, 873, 708], float) if n_classes==5 else rng.pareto(1., n_classes)+0.05
    y = rng.choice(n_classes, n_items, p=freq/freq.sum())
    logits = rng.normal(size=(n_items, n_classes)); logits[np.arange(n_items), y] += 2.
    p = np.exp(logits); return y, p/p.sum(1, keepdims=True)

@call_parse
def main(n:int=1000, # bootstrap resamples
         repeats:int=1, # timings per case (the best is shown)
        ):
    "Print a table of bootstrap timings"
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
