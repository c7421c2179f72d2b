"`balmix_predict` on a folder (or CSV) of new images with a trained run: the training session's probabilities, unreadable images named"
import os, shutil, subprocess, sys
from pathlib import Path
import numpy as np, pandas as pd
from balmix.testing import fake_folder

BIN = Path(sys.executable).parent
ENV = dict(os.environ, OMP_NUM_THREADS='1')
PREDICT = "from balmix.cli import balmix_predict\nbalmix_predict()\n"  # the console script, until the package is reinstalled

def predict(tmp_path, *args):
    drv = tmp_path/'predict.py'; drv.write_text(PREDICT)
    return subprocess.run([sys.executable, str(drv), *map(str, args)], env=ENV, cwd=tmp_path, capture_output=True, text=True, timeout=600)

def train_tiny(data, run):
    "A one-epoch `balmix_train` run of a tiny backbone on image folder `data`, into `run`"
    p = subprocess.run([str(BIN/'balmix_train'), '--task', 'generic', '--data', str(data), '--method', 'instance', '--arch', 'test_efficientnet',
                        '--epochs', '1', '--size', '32', '--bs', '8', '--n_boot', '20', '--out', str(run)], env=ENV, capture_output=True, text=True, timeout=600)
    assert p.returncode==0, p.stderr[-2000:]
    return p

def test_predict_new_images(tmp_path):
    data = fake_folder(tmp_path/'f', classes=('cat', 'dog', 'eel'), n=[12, 8, 6], splits=None)
    run = tmp_path/'run'
    train_tiny(data, run)
    ref = pd.read_csv(run/'preds.csv')  # flip-TTA probabilities of the training session
    ref.index = [Path(f).name for f in ref.image]
    new = tmp_path/'new clinic'; new.mkdir()
    for f in ref.image: shutil.copy(f, new)
    (new/'broken.jpg').write_bytes(Path(ref.image.iloc[0]).read_bytes()[:200])
    p = predict(tmp_path, '--model', run, '--data', new, '--tta', '--out', tmp_path/'p.csv')
    assert p.returncode==0, p.stderr[-2000:]
    assert f"{len(ref)} image(s) predicted, 1 unreadable" in p.stdout and f"unreadable: {new/'broken.jpg'} (OSError" in p.stdout, p.stdout
    out = pd.read_csv(tmp_path/'p.csv', keep_default_na=False, dtype={'pred': str})
    assert len(out)==len(ref)+1 and list(out.columns)==['image', 'pred', 'p_cat', 'p_dog', 'p_eel', 'error']
    good = out[out.error==''].set_index(out.image[out.error==''].map(lambda f: Path(f).name)).loc[ref.index]
    cols = ['p_cat', 'p_dog', 'p_eel']
    np.testing.assert_allclose(good[cols].to_numpy(float), ref[cols].to_numpy(float), atol=1e-6)
    assert list(good.pred)==list(ref.pred)
    # a CSV of image paths relative to it, without TTA: get_preds's probabilities, a different prediction
    pd.DataFrame(dict(image=[f'new clinic/{n}' for n in ref.index])).to_csv(tmp_path/'list.csv', index=False)
    p = predict(tmp_path, '--model', run, '--data', tmp_path/'list.csv', '--out', tmp_path/'p2.csv')
    assert p.returncode==0 and f"{len(ref)} image(s) predicted, 0 unreadable" in p.stdout, p.stderr[-2000:]
    plain = pd.read_csv(tmp_path/'p2.csv')
    np.testing.assert_allclose(plain[cols].sum(1), 1, atol=1e-6)
    assert not np.allclose(plain[cols].to_numpy(), ref[cols].to_numpy(), atol=1e-6)

def test_predict_without_model(tmp_path):
    p = predict(tmp_path, '--model', tmp_path, '--data', tmp_path)
    assert p.returncode==2 and p.stderr.strip().splitlines()==[
        f"balmix_predict: error: {tmp_path} holds no trained model: model.json and best.pth missing (a run folder of balmix_train has both)"], p.stderr
