"`balmix_predict --cam`: a Grad-CAM overlay PNG per readable image of a trained run; `balmix_train` writes cam_gallery.png"
from pathlib import Path
import pandas as pd
from PIL import Image
from balmix.testing import fake_folder
from test_predict import predict, train_tiny

def test_predict_cam(tmp_path):
    data = fake_folder(tmp_path/'f', classes=('cat', 'dog', 'eel'), n=[12, 8, 6], splits=None)
    run = tmp_path/'run'
    p = train_tiny(data, run)
    assert 'cam_gallery.png' in p.stdout and Image.open(run/'cam_gallery.png').size[0] > 200
    (data/'dog'/'broken.jpg').write_bytes(b'not a JPEG')
    p = predict(tmp_path, '--model', run, '--data', data, '--cam', tmp_path/'cams', '--out', tmp_path/'p.csv')
    assert p.returncode==0, p.stderr[-2000:]
    assert p.stdout.startswith(f"26 image(s) predicted, 1 unreadable; predictions in {tmp_path/'p.csv'}; Grad-CAM overlays in {tmp_path/'cams'}"), p.stdout
    pngs = sorted(o.relative_to(tmp_path/'cams') for o in (tmp_path/'cams').rglob('*'))
    readable = sorted(f.relative_to(data).with_suffix('.png') for f in data.rglob('*.jpg') if f.name!='broken.jpg')
    assert [o for o in pngs if o.suffix=='.png'] == readable and len(readable)==26
    assert all(Image.open(tmp_path/'cams'/o).size==(32, 32) for o in readable)
    df = pd.read_csv(tmp_path/'p.csv', keep_default_na=False)
    assert list(df.columns)==['image', 'pred', 'p_cat', 'p_dog', 'p_eel', 'error', 'cam_class', 'cam']
    ok = df[df.error=='']
    assert (ok.cam_class==ok.pred).all() and all(Path(f).is_file() for f in ok.cam)
    assert df[df.error!=''][['cam_class', 'cam']].values.tolist()==[['', '']]
    p = predict(tmp_path, '--model', run, '--data', data/'eel', '--cam', tmp_path/'c2', '--cam_class', 'dog', '--out', tmp_path/'p2.csv')
    assert p.returncode==0, p.stderr[-2000:]
    assert set(pd.read_csv(tmp_path/'p2.csv').cam_class)=={'dog'} and len(list((tmp_path/'c2').glob('*.png')))==6

def test_predict_bad_cam_class(tmp_path):
    data = fake_folder(tmp_path/'f', classes=('cat', 'dog'), n=[6, 6], splits=None)
    run = tmp_path/'run'
    train_tiny(data, run)
    p = predict(tmp_path, '--model', run, '--data', data, '--cam', tmp_path/'cams', '--cam_class', 'cow')
    assert p.returncode==2 and p.stderr.strip().splitlines()==["balmix_predict: error: Class 'cow' is not one of the run's classes: cat, dog"], p.stderr
    assert not (tmp_path/'cams').exists() and not (tmp_path/'preds.csv').exists()
    p = predict(tmp_path, '--model', run, '--data', data, '--cam_class', 'cat')
    assert p.returncode==2 and p.stderr.strip().splitlines()==["balmix_predict: error: --cam_class needs --cam OUTDIR"], p.stderr
