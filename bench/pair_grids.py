"""Pair two grids cell by cell (same arch, method row and seed or fold) and print each method's change from grid A to grid B.

A thin command line over `balmix.report.pair_grids` (see nbs/16b_report.ipynb): for two schedules, two commits or two
datasets' preprocessings of one grid, the difference B - A per matched run, its mean, 95 % t-interval and Wilcoxon
p-value, as a markdown table.

    python bench/pair_grids.py runs/pbc_short runs/pbc_long --labels "3 epochs" "9 epochs" --metrics mcc,macro_f1
"""
import argparse
from balmix.report import pair_grids, pair_markdown as markdown

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
