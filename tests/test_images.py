"Whole-program tests of 16-bit and DICOM images: `balmix_train --intensity`, `balmix_predict` with the recorded rule, bad input in one line"
import json, os, shutil, subprocess, sys
from pathlib import Path
import numpy as np, pandas as pd, pytest
from PIL import Image
from pydicom.data import get_testdata_file

BIN = Path(sys.executable).parent
TINY = ['--epochs', '3', '--size', '32', '--bs', '8', '--n_boot', '20', '--method', 'instance', '--lr', '0.01']

def run(cmd, *args, cwd=None, timeout=900):
    "Run a console script; returns the CompletedProcess"
    env = dict(os.environ, BALMIX_CACHE=str(Path(cwd or '.').absolute()/'cache'), OMP_NUM_THREADS='2')
    return subprocess.run([str(BIN/cmd), *map(str, args)], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)

def one_line_error(p, prog, *parts):
    "The run ended with exit status 2 and one line `prog: error: ...` holding `parts`"
    lines = p.stderr.strip().splitlines()
    assert p.returncode==2 and lines and lines[-1].startswith(f'{prog}: error: '), p.stderr[-3000:]
    for s in parts: assert s in lines[-1], (s, lines[-1])

def brightness_folder(d, n=(40, 10, 10), size=32, seed=0):
    "16-bit greyscale PNGs in train/valid/test class folders; `dark` and `bright` differ only by an offset of 30000 of 65535"
    rng = np.random.default_rng(seed)
    for split, k in zip(('train', 'valid', 'test'), n):
        for c, off in (('dark', 10000), ('bright', 40000)):
            (d/split/c).mkdir(parents=True, exist_ok=True)
            for i in range(k):
                x = rng.normal(off + 5000, 3000, (size, size)).clip(0, 65535).astype(np.uint16)
                Image.fromarray(x).save(d/split/c/f'{i}.png')
    return d

@pytest.fixture(scope='module')
def bright(tmp_path_factory): return brightness_folder(tmp_path_factory.mktemp('b')/'data')

@pytest.mark.slow
def test_brightness_learned_with_fixed_window(bright, tmp_path):
    "Classes that differ only in overall brightness are learned under fixed:0,65535; balmix_predict reads new images with the recorded rule"
    assert Image.open(next((bright/'train'/'dark').iterdir())).mode=='I;16'
    p = run('balmix_train', '--task', 'generic', '--data', bright, '--intensity', 'fixed:0,65535', '--arch', 'test_efficientnet',
            '--out', tmp_path/'o', *TINY, cwd=tmp_path)
    assert p.returncode==0, p.stderr[-3000:]
    m = json.loads((tmp_path/'o'/'metrics.json').read_text())
    assert m['config']['intensity']=='fixed:0,65535'
    assert json.loads((tmp_path/'o'/'model.json').read_text())['intensity']=='fixed:0,65535'
    assert m['test']['n']==20 and m['test']['scores']['balanced_acc'] >= 0.8, m['test']['scores']  # majority rate 0.5
    q = run('balmix_predict', '--model', tmp_path/'o', '--data', bright/'test', '--tta', '--out', tmp_path/'p.csv', cwd=tmp_path)
    assert q.returncode==0, q.stderr[-3000:]
    new, ref = (pd.read_csv(f).set_index('image') for f in (tmp_path/'p.csv', tmp_path/'o'/'preds.csv'))
    cols = ['p_dark', 'p_bright']
    np.testing.assert_allclose(new.loc[ref.index, cols].to_numpy(), ref[cols].to_numpy(), atol=1e-4)

def test_unknown_intensity(bright, tmp_path):
    for v in ('gamma', 'fixed:9,1'):
        p = run('balmix_train', '--task', 'generic', '--data', bright, '--intensity', v, '--out', tmp_path/'o', *TINY, cwd=tmp_path)
        one_line_error(p, 'balmix_train', f"Unknown intensity rule {v!r}")
        assert not (tmp_path/'o').exists()
    p = run('balmix_compare', '--task', 'generic', '--data', bright, '--intensity', 'gamma', '--out', tmp_path/'c', cwd=tmp_path)
    one_line_error(p, 'balmix_compare', "Unknown intensity rule 'gamma'")

def test_none_on_16_bit(bright, tmp_path):
    p = run('balmix_train', '--task', 'generic', '--data', bright, '--intensity', 'none', '--out', tmp_path/'o', *TINY, cwd=tmp_path)
    one_line_error(p, 'balmix_train', f"Image file {bright}", "has 16-bit PNG I;16 pixels: intensity rule 'none' reads 8-bit images only")

def dicom_folder(d, extra=()):
    "Two class folders of pydicom's single-frame test files, copied under new names (12 per class)"
    for c, names in (('ct', ['CT_small.dcm']), ('mr', ['MR_small.dcm', 'MR_small_implicit.dcm', 'MR_small_bigendian.dcm'])):
        (d/c).mkdir(parents=True)
        for i in range(12): shutil.copy(get_testdata_file(names[i % len(names)]), d/c/f'{i}.dcm')
    for c, n in extra: shutil.copy(get_testdata_file(n), d/c/n)
    return d

@pytest.mark.slow
def test_dicom_folder_trains(tmp_path):
    data = dicom_folder(tmp_path/'dcm')
    p = run('balmix_train', '--task', 'generic', '--data', data, '--arch', 'test_efficientnet', '--out', tmp_path/'o', *TINY, cwd=tmp_path)
    assert p.returncode==0, p.stderr[-3000:]
    assert '| valid | 3 |' in p.stdout and 'mcc' in p.stdout, p.stdout[-2000:]
    assert json.loads((tmp_path/'o'/'metrics.json').read_text())['config']['intensity']=='percentile'

def test_truncated_dicom(tmp_path):
    data = dicom_folder(tmp_path/'dcm', extra=[('mr', 'MR_truncated.dcm')])
    p = run('balmix_train', '--task', 'generic', '--data', data, '--out', tmp_path/'o', *TINY, '--epochs', '1', cwd=tmp_path)
    one_line_error(p, 'balmix_train', f"Cannot read image file {data/'mr'/'MR_truncated.dcm'}: ValueError: The number of bytes of pixel data is less than expected")
