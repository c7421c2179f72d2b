"""Render nbs/index.ipynb (saved run) as README.md, as `nbdev_readme` does through Quarto's gfm output.
Quarto is a separate binary that cannot be installed offline, so balmix renders its README with this script:
markdown cells as they are, code cells as python blocks (cells marked `#| hide` and `#|` directives left out,
`#| echo: false` shows only the output), text output as a plain block, markdown output inline.
`python .ci/readme.py` writes README.md; `python .ci/readme.py --check` exits 1 when README.md is out of date."""
import json, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

def _directives(src): return {l[3:].strip().split(':')[0].strip(): l for l in src.splitlines() if l.startswith('#|')}

def _output(o):
    "Markdown of one cell output"
    data = o.get('data', {})
    if o.get('output_type')=='stream': return '```\n' + ''.join(o['text']).rstrip() + '\n```'
    if 'text/markdown' in data: return ''.join(data['text/markdown']).strip()
    if 'text/plain' in data and 'image/png' not in data: return '```\n' + ''.join(data['text/plain']).rstrip() + '\n```'
    return ''

def render(nb=ROOT/'nbs'/'index.ipynb') -> str:
    "README text of notebook `nb`"
    parts = []
    for c in json.loads(Path(nb).read_text())['cells']:
        src = ''.join(c['source'])
        if c['cell_type']=='markdown': parts.append(src.strip()); continue
        d = _directives(src)
        if 'hide' in d or 'default_exp' in d: continue
        code = '\n'.join(l for l in src.splitlines() if not l.startswith('#|')).strip()
        if code and 'echo' not in d: parts.append('```python\n' + code + '\n```')
        parts += [t for t in map(_output, c.get('outputs', [])) if t]
    return '\n\n'.join(p for p in parts if p) + '\n'

if __name__=='__main__':
    text, fn = render(), ROOT/'README.md'
    if '--check' in sys.argv:
        if fn.read_text()!=text: sys.exit('README.md is not what nbs/index.ipynb renders to: run `python .ci/readme.py`')
    else: fn.write_text(text)
