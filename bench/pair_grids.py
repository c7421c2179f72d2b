"""Pair two grids cell by cell (same arch, method row and seed or fold) and print each method's change from grid A to grid B.

For two schedules, two commits or two datasets' preprocessings of one grid: the difference B - A per matched run,
its mean, 95 % t-interval and Wilcoxon p-value (`balmix.experiments.paired_compare`), as a markdown table.

    python bench/pair_grids.py runs/pbc_short runs/pbc_long --labels "3 epochs" "9 epochs" --metrics mcc,macro_f1
"""
import argparse
import pandas as pd
from balmix.experiments import collect, paired_compare

def pair_grids(a, b, labels=('A', 'B'), metric='mcc', part='test'):
    "`paired_compare` of grid `b` against grid `a`, one row per method row of both (its `method` column)"
    ra, rb = collect(a), collect(b)
    keep = set(ra.row) & set(rb.row)
    df = pd.concat([ra.assign(grid=labels[0]), rb.assign(grid=labels[1])])
    df = df[df.row.isin(keep)]
    # paired_compare pairs on (arch, run) and compares `row`s: make the grid the row and the method part of the arch
    df = df.assign(arch=df.arch + '|' + df.row, row=df.grid)
    pc = paired_compare(df, baseline=labels[0], metric=metric, part=part)
    arch_method = pc.arch.str.split('|', n=1, expand=True)
    return pc.assign(arch=arch_method[0], method=arch_method[1], change=f'{labels[1]} - {labels[0]}')

def markdown(pc, metric):
    "A markdown table of `pair_grids`'s rows"
    sf = lambda x: '-' if pd.isna(x) else f'{x:+.3f}'
    lines = [f'| arch | method | n | {metric}: {pc.change.iloc[0]} | 95% CI | p (Wilcoxon) | up/same/down |', '|---|---|---|---|---|---|---|']
    lines += [f"| {r.arch} | {r.method} | {r.n} | {sf(r.mean_diff)} | [{sf(r.ci_low)}, {sf(r.ci_high)}] | "
              f"{'-' if pd.isna(r.p_value) else f'{r.p_value:.3f}'} | {r.wins}/{r.ties}/{r.losses} |" for r in pc.itertuples()]
    return '\n'.join(lines) + '\n'

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('a', help='Output folder of grid A (the reference)')
    p.add_argument('b', help='Output folder of grid B')
    p.add_argument('--labels', nargs=2, default=['A', 'B'], help='Names of the two grids')
    p.add_argument('--metrics', default='mcc', help='Comma-separated metrics of the runs')
    p.add_argument('--part', default='test', help="'test' or 'external'")
    args = p.parse_args()
    for m in args.metrics.split(','):
        print(markdown(pair_grids(args.a, args.b, args.labels, m, args.part), m))
