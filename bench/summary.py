"""The README's one summary table: each method's paired difference to instance sampling on each real dataset.

Reads the committed `paired.csv` of each grid under bench/results (written by `balmix.report.write_results`) and
prints one markdown table: a row per method, a column per dataset and schedule, each cell the mean difference of
the dataset's main metric to instance sampling over matched seeds, its 95 % t-interval and the wins out of the
pairs. Grids of one block share their instance-sampled runs; a row of another block is paired with that block's own
instance runs (see the table's notes), never with another grid's.

    python bench/summary.py                 # prints the table and writes bench/results/summary.md
"""
import argparse
from pathlib import Path
import pandas as pd

RESULTS = Path(__file__).parent/'results'
# (column title, main metric, grids of the earlier sessions, grids of this commit's re-run)
# (the first grid of a block that has a row gives its cell: *_auto merges every re-run grid, so its [valid] rows choose among all)
DATASETS = [('RetinaMNIST, 5 epochs (kappa)', 'quad_kappa', ['retinamnist_longtail'], ['retinamnist_auto', 'retinamnist_valid', 'retinamnist_ldam']),
            ('PBC-LT, 3 epochs (MCC)', 'mcc', ['pbc_lt_longtail'], ['pbc_lt_auto', 'pbc_lt_valid', 'pbc_lt_ldam']),
            ('PBC-LT, 9 epochs (MCC)', 'mcc', ['pbc_lt_long'], [])]
NAMES = {'ldam': 'ldam', 'bmu_a0.2+la': 'bmu (alpha 0.2) + la'}
# multi-label grids: (title, grid, metrics of the columns)
ML_DATASETS = [('RFMiD-64, 10 epochs', 'rfmid', ('map', 'map_tail', 'macro_f1'))]

def cell(r):
    "Text of one paired difference"
    return f"{r.mean_diff:+.3f} [{r.ci_low:+.3f}, {r.ci_high:+.3f}] {r.wins}/{r.n}"

def block(grids, metric):
    "`{method row: cell text}` of the grids' paired differences on `metric` (test split)"
    res = {}
    for g in grids:
        fn = RESULTS/g/'paired.csv'
        if not fn.exists(): continue
        pc = pd.read_csv(fn)
        for r in pc[(pc.metric==metric) & (pc.part=='test')].itertuples(): res.setdefault(r.method, cell(r))
    return res

def summary(datasets=DATASETS) -> str:
    "The markdown summary table"
    cols = [t for t, *_ in datasets]
    parts = []
    for which, title in ((2, 'grids of earlier sessions (their own instance runs; `ldam` there: linear head)'),
                         (3, 'grids of this session (instance re-run; `ldam`: cosine head; choices on validation)')):
        cells = {d[0]: block(d[which], d[1]) for d in datasets}
        rows = list(dict.fromkeys(m for c in cells.values() for m in c))
        if not rows: continue
        lines = [f'| {title} | ' + ' | '.join(cols) + ' |', '|---|' + '---|'*len(cols)]
        lines += [f"| `{NAMES.get(m, m)}` | " + ' | '.join(cells[c].get(m, '') for c in cols) + ' |' for m in rows]
        parts.append('\n'.join(lines))
    return '\n\n'.join(parts) + '\n'

def ml_summary(datasets=ML_DATASETS) -> str:
    "The markdown table of each multi-label grid: a row per method, a column per metric"
    parts = []
    for title, g, metrics in datasets:
        cells = {m: block([g], m) for m in metrics}
        rows = list(dict.fromkeys(r for c in cells.values() for r in c))
        if not rows: continue
        lines = [f'| {title}: difference to instance sampling | ' + ' | '.join(metrics) + ' |', '|---|' + '---|'*len(metrics)]
        lines += [f"| `{NAMES.get(r, r)}` | " + ' | '.join(cells[m].get(r, '') for m in metrics) + ' |' for r in rows]
        parts.append('\n'.join(lines))
    return '\n\n'.join(parts) + '\n' if parts else ''

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--out', default=str(RESULTS/'summary.md'), help='Markdown file to write')
    args = p.parse_args()
    ml = ml_summary()
    text = summary() + ('\n' + ml if ml else '')
    Path(args.out).write_text(text)
    print(text)
