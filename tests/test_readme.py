"README.md is rendered from nbs/index.ipynb (saved run); it must be what the notebook renders to"
import subprocess, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

def test_readme_is_rendered_from_index():
    p = subprocess.run([sys.executable, str(ROOT/'.ci'/'readme.py'), '--check'], capture_output=True, text=True)
    assert p.returncode==0, p.stderr

def test_readme_lists_every_method():
    from balmix.methods import METHODS
    text = (ROOT/'README.md').read_text()
    for m in METHODS: assert f'| `{m}` |' in text, m
