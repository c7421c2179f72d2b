"Bad input for balmix.data: each reader and table_dls fails with a sentence naming the file, row or value"
import os, shutil
from pathlib import Path
import numpy as np, pandas as pd, pytest
from balmix.data import *
from balmix.testing import fake_eyepacs, fake_messidor2, fake_kvasir, fake_medmnist, fake_folder, shared_data
from balmix.sampling import dataset_labels

@pytest.fixture(scope='module')
def ep_src(tmp_path_factory):
    return fake_eyepacs(tmp_path_factory.mktemp('src')/'eyepacs', n=100, n_test=20)

@pytest.fixture
def ep(ep_src, tmp_path):
    "A fresh copy of a fake EyePACS that each test may damage"
    return Path(shutil.copytree(ep_src, tmp_path/'eyepacs'))

@pytest.fixture
def kv(tmp_path):
    return fake_kvasir(tmp_path/'kvasir', n=4, findings=['polyps', 'cecum', 'z-line'])

def edit_csv(fn, f):
    df = pd.read_csv(fn); df = f(df); df.to_csv(fn, index=False)

# Missing image files
def test_missing_images_listed(ep):
    for f in sorted((ep/'train').iterdir())[:12]: f.unlink()
    with pytest.raises(FileNotFoundError, match=r"12 of 120 image files are missing: .*10_left\.jpeg.*, \.\.\."):
        eyepacs_table(ep)

def test_missing_images_before_training(ep):
    t = eyepacs_table(ep)
    os.remove(t.image[5])
    with pytest.raises(FileNotFoundError, match=r"1 of 120 image files are missing: .*12_right\.jpeg"):
        table_dls(t, size=16, num_workers=0)

def test_missing_test_images(ep):
    t = eyepacs_table(ep)
    dls = table_dls(t, size=16, num_workers=0)
    os.remove(t.image[t.split=='test'].iloc[0])
    with pytest.raises(FileNotFoundError, match=r"1 of 20 image files are missing"):
        table_test_dl(dls, t)

def test_messidor_missing_image(tmp_path):
    p = fake_messidor2(tmp_path/'m', n=10, n_ungradable=0)
    next((p/'IMAGES').glob('*.png')).unlink()
    with pytest.raises(FileNotFoundError, match=r"1 images listed in .*messidor_data\.csv are not under .*IMAGES: 20051020_"):
        messidor2_table(p)

# Corrupt or unreadable images
def test_corrupt_image_named_when_met(ep):
    t = eyepacs_table(ep)
    bad = t.image[t.split=='train'].iloc[4]  # not the first: fastai opens that one when it sets up the transforms
    Path(bad).write_bytes(b'not a jpeg at all')
    dls = table_dls(t, size=16, bs=90, num_workers=0)
    assert len(dataset_labels(dls.train.dataset))==90  # labels are read without opening the corrupt image
    with pytest.raises(ValueError, match=rf"Cannot read image file {bad}: UnidentifiedImageError"):
        dls.one_batch()

def test_truncated_image(ep):
    t = eyepacs_table(ep)
    bad = Path(t.image[3])
    bad.write_bytes(bad.read_bytes()[:40])
    with pytest.raises(ValueError, match=rf"Cannot read image file {bad}"): open_image(bad)

def test_verify_checks_all_upfront(ep):
    t = eyepacs_table(ep)
    bad = t.image[t.split=='valid'].iloc[0]
    Path(bad).write_bytes(b'')
    with pytest.raises(ValueError, match=rf"1 of 100 images cannot be read: {bad} \(first: Cannot read image file {bad}"):
        table_dls(t, size=16, num_workers=0, verify=True)

# Labels outside the expected set
def test_dr_grade_7(ep):
    edit_csv(ep/'trainLabels.csv', lambda d: d.assign(level=d.level.where(d.index!=4, 7)))
    with pytest.raises(ValueError, match=r"1 values of column 'level' in .*trainLabels\.csv are not a DR grade 0\.\.4, e\.g\. 7 for image '12_left' \(line 6\)"):
        eyepacs_table(ep)

def test_dr_grade_text(ep):
    edit_csv(ep/'retinopathy_solution.csv', lambda d: d.assign(level=d.level.astype(object).where(d.index!=0, 'x')))
    with pytest.raises(ValueError, match=r"retinopathy_solution\.csv are not a DR grade 0\.\.4, e\.g\. 'x' for image '10_left'"):
        eyepacs_table(ep)

def test_messidor_grade_7(tmp_path):
    p = fake_messidor2(tmp_path/'m', n=10, n_ungradable=0)
    edit_csv(p/'messidor_data.csv', lambda d: d.assign(adjudicated_dr_grade=d.adjudicated_dr_grade.where(d.index!=2, 7)))
    with pytest.raises(ValueError, match=r"'adjudicated_dr_grade' .* not a DR grade 0\.\.4, e\.g\. 7\.0 for image"):
        messidor2_table(p)

def test_csv_label_outside_vocab(ep):
    edit_csv(ep/'trainLabels.csv', lambda d: d.assign(level=d.level.where(d.index!=0, 7)))
    with pytest.raises(ValueError, match=r"1 labels in .*trainLabels\.csv are not in the expected set \[0, 1, 2, 3, 4\]: .*10_left\.jpeg \(7\)"):
        csv_table(ep/'trainLabels.csv', folder=ep/'train', suff='.jpeg', vocab=DR_GRADES)

def test_table_label_outside_vocab(ep):
    t = eyepacs_table(ep)
    t.loc[3, 'label'] = 9
    with pytest.raises(ValueError, match=r"1 labels are not in the expected set \[0, 1, 2, 3, 4\]: .*11_right\.jpeg \(9\)"):
        table_dls(t, size=16, num_workers=0)

def test_test_labels_outside_dls_vocab(tmp_path):
    a = folder_table(fake_folder(tmp_path/'a', classes=('x', 'y'), n=10))
    b = folder_table(fake_folder(tmp_path/'b', classes=('x', 'z'), n=10), valid_pct=0)
    b.split = 'test'
    dls = table_dls(a, size=16, num_workers=0)
    with pytest.raises(ValueError, match=r"10 labels of the test rows are not in the expected set \['x', 'y'\]"):
        table_test_dl(dls, b)

# CSVs without the expected columns
def test_eyepacs_csv_columns(ep):
    edit_csv(ep/'trainLabels.csv', lambda d: d.rename(columns={'level': 'grade'}))
    with pytest.raises(ValueError, match=r"trainLabels\.csv lacks the column\(s\) \['level'\]: expected \['image', 'level'\], found \['image', 'grade'\]"):
        eyepacs_table(ep)

def test_messidor_csv_columns(tmp_path):
    p = fake_messidor2(tmp_path/'m', n=5)
    with pytest.raises(ValueError, match=r"lacks the column\(s\) \['adjudicated_gradable'\]"):
        edit_csv(p/'messidor_data.csv', lambda d: d.drop(columns='adjudicated_gradable')); messidor2_table(p, csv=p/'messidor_data.csv')

def test_messidor_no_csv(tmp_path):
    p = fake_messidor2(tmp_path/'m', n=5)
    (p/'messidor_data.csv').unlink()
    with pytest.raises(FileNotFoundError, match=r"No CSV with the columns \['image_id', 'adjudicated_dr_grade'"):
        messidor2_table(p)

def test_kvasir_csv_columns(kv):
    fn = kv/'labeled-images'/'image-labels.csv'
    edit_csv(fn, lambda d: d.drop(columns='Finding'))
    with pytest.raises(ValueError, match=r"image-labels\.csv lacks the column\(s\) \['Finding'\]"):
        hyper_kvasir_table(kv)

def test_csv_table_no_image_column(tmp_path):
    fn = tmp_path/'x.csv'
    pd.DataFrame(dict(file=['a.jpg'], label=['c'])).to_csv(fn, index=False)
    with pytest.raises(ValueError, match=r"x\.csv has no image column: expected one of \['image', 'image_id'\], found \['file', 'label'\]"):
        csv_table(fn)
    with pytest.raises(ValueError, match=r"x\.csv has no label column 'dx'"):
        csv_table(fn, image_col='file', label_col='dx')

def test_csv_missing_label(tmp_path):
    fn = tmp_path/'x.csv'
    pd.DataFrame(dict(image=['a.jpg', 'b.jpg'], label=['c', None])).to_csv(fn, index=False)
    with pytest.raises(ValueError, match=r"image 'b\.jpg' has no label in column 'label'"): csv_table(fn)

def test_unknown_split(tmp_path):
    fn = tmp_path/'x.csv'
    fake_folder(tmp_path, classes=('c',), n=2)
    pd.DataFrame(dict(image=['c/0000.jpg', 'c/0001.jpg'], label=['c', 'c'], split=['train', 'holdout'])).to_csv(fn, index=False)
    with pytest.raises(ValueError, match=r"Unknown split 'holdout' in .*x\.csv"): csv_table(fn)

# Empty datasets
def test_empty_eyepacs(ep):
    edit_csv(ep/'trainLabels.csv', lambda d: d.iloc[:0])
    with pytest.raises(ValueError, match=r"The dataset is empty: .*trainLabels\.csv has no rows"): eyepacs_table(ep)

def test_empty_folder(tmp_path):
    (tmp_path/'a').mkdir(); (tmp_path/'b').mkdir()
    with pytest.warns(UserWarning, match=r"Class folder .*a holds no images"):
        with pytest.raises(ValueError, match=r"The dataset is empty: no class sub-folders with images"): folder_table(tmp_path)

def test_empty_kvasir_tree(tmp_path):
    (tmp_path/'labeled-images').mkdir()
    pd.DataFrame(columns=['Video file', 'Organ', 'Finding', 'Classification']).to_csv(tmp_path/'labeled-images'/'image-labels.csv', index=False)
    with pytest.raises(ValueError, match=r"The dataset is empty"): hyper_kvasir_table(tmp_path)

def test_empty_medmnist(tmp_path):
    fn = fake_medmnist(tmp_path/'e.npz', n=(0, 0, 0))
    with pytest.raises(ValueError, match=r"The dataset is empty: the table has no images"): medmnist_table(fn)

def test_all_ungradable(tmp_path):
    p = fake_messidor2(tmp_path/'m', n=0, n_ungradable=3)
    with pytest.warns(UserWarning, match='left out 3 ungradable'):
        with pytest.raises(ValueError, match=r"The dataset is empty"): messidor2_table(p)

def test_no_training_rows(ep):
    t = eyepacs_table(ep)
    with pytest.raises(ValueError, match=r"The dataset is empty: no training rows \(split 'test' validates\)"):
        table_dls(t[t.split!='train'], size=16, split='test', num_workers=0)

# A class with no training items
def test_class_without_training_items_in_fold(tmp_path):
    p = fake_kvasir(tmp_path/'k', n=[10, 10, 1], findings=['polyps', 'cecum', 'ileum'])
    t = hyper_kvasir_table(p)
    k = int(t.fold[t.label=='ileum'].iloc[0])
    with pytest.warns(UserWarning, match=rf"Class\(es\) \['ileum'\] have no training items \(fold {k} validates\)"):
        dls = table_dls(t, size=16, fold=k, num_workers=0)
    assert list(dls.vocab)==['cecum', 'ileum', 'polyps']

def test_class_only_in_valid(tmp_path):
    p = fake_folder(tmp_path/'f', classes=('a', 'b'), n=4, splits=['train', 'valid'])
    shutil.rmtree(p/'train'/'b')
    t = folder_table(p)
    with pytest.warns(UserWarning, match=r"Class\(es\) \['b'\] have no training items \(split 'valid' validates\)"):
        table_dls(t, size=16, num_workers=0)

# Hyper-Kvasir: CSV and tree disagree
def test_kvasir_file_missing(kv):
    f = next((kv/'labeled-images').rglob('*.jpg')); f.unlink()
    with pytest.raises(ValueError, match=rf"disagree\. 1 images listed in .*image-labels\.csv have no file: {f.stem}"):
        hyper_kvasir_table(kv)

def test_kvasir_file_not_listed(kv):
    f = next((kv/'labeled-images').rglob('*.jpg'))
    extra = f.with_name('extra-image.jpg'); shutil.copy(f, extra)
    with pytest.raises(ValueError, match=rf"1 image files are not listed in .*image-labels\.csv: {extra}"):
        hyper_kvasir_table(kv)

def test_kvasir_file_moved(kv):
    f = next((kv/'labeled-images').rglob('polyps/*.jpg'))
    dst = kv/'labeled-images'/'lower-gi-tract'/'anatomical-landmarks'/'cecum'/f.name
    shutil.move(f, dst)
    with pytest.raises(ValueError, match=rf"1 image files are in another finding's folder than .*: {dst} \(CSV: polyps\)"):
        hyper_kvasir_table(kv)

def test_kvasir_no_csv(kv):
    (kv/'labeled-images'/'image-labels.csv').unlink()
    with pytest.raises(FileNotFoundError, match=r"image-labels\.csv does not exist"): hyper_kvasir_table(kv)

# Other malformed input
def test_duplicate_ids(ep):
    edit_csv(ep/'trainLabels.csv', lambda d: pd.concat([d, d.iloc[:2]]))
    with pytest.raises(ValueError, match=r"trainLabels\.csv lists 2 image\(s\) more than once: 10_left, 10_right"):
        eyepacs_table(ep)

def test_stray_images_in_folder(tmp_path):
    p = fake_folder(tmp_path/'f', n=3)
    shutil.copy(next((p/'a').iterdir()), p/'stray.jpg')
    with pytest.raises(ValueError, match=r"holds 1 images outside class sub-folders .*stray\.jpg"): folder_table(p)

def test_medmnist_multilabel(tmp_path):
    fn = tmp_path/'chest.npz'
    np.savez(fn, **{f'{k}_{w}': (np.zeros((4, 8, 8), np.uint8) if w=='images' else np.zeros((4, 14), np.uint8))
                    for k in ('train', 'val', 'test') for w in ('images', 'labels')})
    with pytest.raises(ValueError, match=r"train_labels has shape \(4, 14\): multi-hot labels need --task multilabel"): medmnist_table(fn)

def test_medmnist_missing_arrays(tmp_path):
    fn = tmp_path/'bad.npz'
    np.savez(fn, train_images=np.zeros((2, 8, 8), np.uint8))
    with pytest.raises(ValueError, match=r"lacks the array\(s\) \['train_labels', 'val_images'"): medmnist_table(fn)

def test_medmnist_no_file(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"MedMNIST file .*nope\.npz does not exist"): medmnist_table(tmp_path/'nope.npz')

def test_fold_arguments(tmp_path):
    t = folder_table(fake_folder(tmp_path/'f', n=10), n_folds=5)
    with pytest.raises(ValueError, match=r"The table has folds \[0, 1, 2, 3, 4\]: pass fold=k"): table_dls(t, size=16)
    with pytest.raises(ValueError, match=r"fold=7 is not one of the table's folds \[0, 1, 2, 3, 4\]"): table_dls(t, size=16, fold=7)
    s = folder_table(fake_folder(tmp_path/'g', n=10))
    with pytest.raises(ValueError, match=r"fold=0 was given but the table has no 'fold' column"): table_dls(s, size=16, fold=0)

def test_cannot_stratify(tmp_path):
    p = fake_folder(tmp_path/'f', classes=('a', 'b'), n=[10, 1])
    with pytest.raises(ValueError, match=r"Cannot draw a stratified 10% valid split: class 'b' has 1 item"): folder_table(p)

def test_table_without_vocab():
    t = pd.DataFrame(dict(image=['a.jpg'], label=['x'], split=['train']))
    with pytest.raises(ValueError, match=r"The table has no vocab"): table_dls(t)

# Real data (RetinaMNIST), when the project's shared data is present
def test_retinamnist():
    fn = shared_data('retinamnist/retinamnist.npz')
    if fn is None: pytest.skip("RetinaMNIST not found at ../shared/data/retinamnist/retinamnist.npz relative to the repository")
    t = medmnist_table(fn)
    assert table_counts(t)['train'].tolist()==[486, 128, 206, 194, 66]
    assert t.split.value_counts().to_dict()=={'train': 1080, 'test': 400, 'valid': 120}
    dls = table_dls(t, size=28, bs=64, num_workers=0)
    assert (dataset_labels(dls.train.dataset)==t.label[t.split=='train'].to_numpy()).all()
    assert dls.one_batch()[0].shape==(64, 3, 28, 28)

# Real data (PBC-LT: long-tailed blood-cell microscopy), when the project's shared data is present
PBC_TRAIN = dict(neutrophil=1000, lymphocyte=572, platelet=327, monocyte=187, eosinophil=107, ig=61, erythroblast=35, basophil=20)

def test_pbc_lt():
    fn = shared_data('pbc_lt/labels.csv')
    if fn is None: pytest.skip("PBC-LT not found at ../shared/data/pbc_lt/labels.csv relative to the repository")
    t = load_table('generic', fn)
    counts = table_counts(t)
    assert counts['train'].to_dict()==PBC_TRAIN
    assert set(counts['valid'])=={40} and set(counts['test'])=={200}
    assert len(t)==4229 and not missing_images(t)
    dls = table_dls(t, size=64, bs=16, num_workers=0)
    x, y = dls.one_batch()
    assert x.shape==(16, 3, 64, 64) and dls.c==8
    assert (dataset_labels(dls.train.dataset)==pd.Series(t.label[t.split=='train']).map(dls.vocab.o2i).to_numpy()).all()

def test_kvasir_not_strict(kv):
    fs = sorted((kv/'labeled-images').rglob('*.jpg'))
    fs[0].unlink()
    with pytest.warns(UserWarning, match=r"disagree \(strict=False.*1 images listed in .*have no file"):
        t = hyper_kvasir_table(kv, n_folds=3, strict=False)
    assert len(t)==11 and t.attrs['n_left_out']==1
