"`bench/gpu.py --tiny`: the GPU benchmark runs on the CPU with tiny settings and measures every configuration"
import json, os, subprocess, sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

def test_gpu_bench_tiny(tmp_path):
    env = dict(os.environ, OMP_NUM_THREADS='1', PYTHONPATH=str(REPO), CUDA_VISIBLE_DEVICES='')
    p = subprocess.run([sys.executable, str(REPO/'bench'/'gpu.py'), '--tiny', '--json', str(tmp_path/'rows.json'),
                        '--data', str(tmp_path/'data')], capture_output=True, text=True, env=env, timeout=300)
    assert p.returncode==0, p.stderr[-3000:]
    rows = json.loads((tmp_path/'rows.json').read_text())
    modes = {(r['precision'], r['channels_last']) for r in rows}
    assert modes=={('fp32', False), ('bf16', True)}, modes
    assert sorted(r['method'] for r in rows)==sorted(['plain', 'mixup', 'bmu', 'class']*2)
    for r in rows:
        assert r['images_s'] > 0 and r['steps']==4 and 0 <= r['wait_share'] <= 1, r
    bmu = [r for r in rows if r['method']=='bmu']
    by = {(r['precision'], r['method']): r['images_s'] for r in rows}
    for r in bmu:
        assert abs(r['bmu_plain'] - by[r['precision'], 'bmu']/by[r['precision'], 'plain']) < 1e-9
        assert abs(r['bmu_mixup'] - by[r['precision'], 'bmu']/by[r['precision'], 'mixup']) < 1e-9
    table = p.stdout[p.stdout.index('| arch |'):]
    assert table.count('| mobilenetv2_100 | 32 | 8 |')==8 and '| bmu |' in table, p.stdout

def _grid(root, scores):
    "A grid folder of `metrics.json` files: `scores[(method, seed)]` is the run's test MCC"
    for (method, seed), mcc in scores.items():
        d = root/'arch0'/method/f'seed{seed}'; d.mkdir(parents=True)
        (d/'metrics.json').write_text(json.dumps(dict(config=dict(arch='arch0', method=method, params={}, task='generic'),
                                                      seed=seed, test=dict(scores=dict(mcc=mcc)))))

def test_pair_grids(tmp_path):
    "`bench/pair_grids.py` pairs runs of two grids by method and seed: hand-computed differences and scipy's interval"
    from scipy import stats
    sys.path.insert(0, str(REPO/'bench'))
    from pair_grids import pair_grids, markdown
    _grid(tmp_path/'a', {('instance', 0): .30, ('instance', 1): .40, ('instance', 2): .50, ('class', 0): .6, ('class', 1): .6})
    _grid(tmp_path/'b', {('instance', 0): .35, ('instance', 1): .30, ('instance', 2): .70, ('class', 0): .7, ('mixup', 0): .1})
    pc = pair_grids(tmp_path/'a', tmp_path/'b', labels=('short', 'long')).set_index('method')
    assert sorted(pc.index)==['class', 'instance']  # mixup is in one grid only
    d = [.05, -.10, .20]
    assert pc.loc['instance', 'n']==3 and abs(pc.loc['instance', 'mean_diff'] - sum(d)/3) < 1e-12
    lo, hi = stats.t.interval(.95, 2, loc=sum(d)/3, scale=stats.sem(d))
    assert abs(pc.loc['instance', 'ci_low'] - lo) < 1e-12 and abs(pc.loc['instance', 'ci_high'] - hi) < 1e-12
    assert (pc.loc['instance', ['wins', 'ties', 'losses']].tolist(), pc.loc['class', 'n']) == ([2, 0, 1], 1)
    assert abs(pc.loc['class', 'mean_diff'] - .1) < 1e-12
    assert '| arch0 | instance | 3 | +0.050 |' in markdown(pc.reset_index(), 'mcc')
