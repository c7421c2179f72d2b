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
