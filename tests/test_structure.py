"The library's shape: modules of at most 300 lines, no private name imported across modules, notebook order = import order"
import ast, re
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parent.parent
MODS = sorted(p for p in (ROOT/'balmix').rglob('*.py') if p.name!='_modidx.py')

def modname(p):
    parts = p.relative_to(ROOT).with_suffix('').parts
    return '.'.join(parts[:-1] if parts[-1]=='__init__' else parts)

def notebook(p):
    "The notebook a module is exported from"
    m = re.search(r'File to edit: \.\./(?:\.\./)?nbs/(\S+)\.ipynb', p.read_text())
    return m.group(1) if m else None

def balmix_imports(p):
    "(module, names) of every `import`/`from ... import` of a balmix module in `p`, at any depth"
    pkg = modname(p) if p.name=='__init__.py' else modname(p).rsplit('.', 1)[0]
    for node in ast.walk(ast.parse(p.read_text())):
        if isinstance(node, ast.ImportFrom):
            base = node.module or ''
            if node.level: base = '.'.join(pkg.split('.')[:len(pkg.split('.'))-node.level+1] + ([base] if base else []))
            if base.split('.')[0]=='balmix': yield base, [a.name for a in node.names]
        elif isinstance(node, ast.Import):
            for a in node.names:
                if a.name.split('.')[0]=='balmix': yield a.name, []

def test_every_module_is_exported_from_a_notebook():
    assert MODS and all(notebook(p) for p in MODS if p.name!='__init__.py' or p.parent.name!='balmix'), [p for p in MODS if not notebook(p)]

@pytest.mark.parametrize('p', MODS, ids=lambda p: modname(p))
def test_at_most_300_lines(p):
    assert len(p.read_text().splitlines()) <= 300

@pytest.mark.parametrize('p', MODS, ids=lambda p: modname(p))
def test_no_private_import_across_modules(p):
    bad = [(m, n) for m, ns in balmix_imports(p) for n in ns if n.startswith('_') and n!='__version__']
    assert not bad, bad

@pytest.mark.parametrize('p', [p for p in MODS if notebook(p)], ids=lambda p: modname(p))
def test_imports_only_from_lower_notebooks(p):
    nbs = {modname(q): notebook(q) for q in MODS if notebook(q)}
    mine = notebook(p)
    for m, names in balmix_imports(p):
        for target in [m] + [f'{m}.{n}' for n in names]:
            if target in nbs and target!=modname(p): assert nbs[target] < mine, f'{modname(p)} ({mine}) imports {target} ({nbs[target]})'
