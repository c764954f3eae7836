#!/usr/bin/env python
"""Build the docs offline, without Quarto.

    python .ci/build_docs.py           # process notebooks, render _docs/*.html, regenerate README.md
    python .ci/build_docs.py --check   # the same, but fail if README.md is not what index.ipynb renders to

Steps:
1. nbdev's own notebook processing (`nbdev.serve.proc_nbs`), the step `nbdev_docs` runs before Quarto:
   hidden and exported cells removed, `show_doc` cells executed, front matter extracted, into `_proc/`.
2. Every processed notebook is rendered to HTML with nbconvert into `_docs/`, honouring the Quarto cell
   options nbdev leaves behind (`echo: false`, `output: false`, `include: false`), with a plain navigation
   block on each page; `_docs/index.html` is the home page and links every page.
3. `README.md` is regenerated from `nbs/index.ipynb` as GitHub-flavoured markdown (no front matter,
   hidden cells gone, figures written under `index_files/`).

It fails (exit 1) when a page does not render, when a page shows a Python traceback, or (with --check)
when README.md differs from what index.ipynb renders to. With Quarto installed, `nbdev_docs` builds
the real site from the same `_quarto.yml`.
"""
import argparse, html, re, shutil, sys, warnings
from pathlib import Path

import nbformat
import yaml
from nbconvert import HTMLExporter, MarkdownExporter
from traitlets.config import Config

from nbdev.config import get_config
from nbdev.doclinks import _build_modidx
from nbdev.quarto import refresh_quarto_yml
from nbdev.serve import proc_nbs

_re_directive = re.compile(r'^\s*#\|\s*([\w-]+)\s*:\s*(.*?)\s*$')
_TRACEBACK = 'Traceback (most recent call last)'
_re_attrs = re.compile(r'\{target="_blank"[^}]*\}')


def _directives(src):
    "Quarto cell options (`#| key: value` lines) at the top of a processed cell, and the rest of the source"
    opts, lines = {}, src.splitlines()
    while lines and _re_directive.match(lines[0]):
        k, v = _re_directive.match(lines.pop(0)).groups()
        opts[k] = v.strip().lower()
    return opts, '\n'.join(lines)


def _front_matter(nb):
    "Pop the YAML front matter (raw cell that nbdev's FrontmatterProc writes) and return it as a dict"
    for i, c in enumerate(nb.cells):
        src = c.source.strip()
        if c.cell_type == 'raw' and src.startswith('---') and src.endswith('---'):
            nb.cells.pop(i)
            return yaml.safe_load(src.strip('-')) or {}
    return {}


def prepare(nb):
    "Apply Quarto cell options to a processed notebook; return (front matter, notebook)"
    fm = _front_matter(nb)
    cells = []
    for c in nb.cells:
        if not c.get('source', '').strip() and c.cell_type != 'code': continue
        if c.cell_type == 'code':
            opts, c.source = _directives(c.get('source', ''))
            if opts.get('include') == 'false': continue
            if opts.get('output') == 'false': c.outputs = []
            if opts.get('echo') == 'false': c.metadata.setdefault('tags', []).append('remove_input')
            for o in c.get('outputs', []):  # Quarto link attributes ({target=...}) that plain markdown would print
                md = o.get('data', {}).get('text/markdown')
                if md: o['data']['text/markdown'] = _re_attrs.sub('', md if isinstance(md, str) else ''.join(md))
            if not c.source.strip() and not c.get('outputs'): continue
        cells.append(c)
    nb.cells = cells
    nb.metadata['language_info'] = {'name': 'python'}  # nbdev_clean strips it; code blocks are Python
    return fm, nb


def tracebacks(nb):
    "Descriptions of every Python traceback a notebook's outputs show"
    found = []
    for i, c in enumerate(nb.cells):
        for o in c.get('outputs', []):
            if o.get('output_type') == 'error': found.append(f"cell {i}: {o.get('ename')}: {o.get('evalue')}")
            elif _TRACEBACK in ''.join(o.get('text', '')) or _TRACEBACK in str(o.get('data', {}).get('text/plain', '')):
                found.append(f'cell {i}: a traceback in its printed output')
    return found


def _title(fm, nb_path):
    return fm.get('title') or nb_path.stem


def _nav(pages, depth):
    up = '../' * depth
    items = ''.join(f'<li><a href="{up}{href}">{html.escape(t)}</a></li>' for href, t in pages)
    return f'<nav class="lf-nav"><ul>{items}</ul></nav>'


_CSS = ('<style>.lf-nav ul{list-style:none;padding:0;margin:0 0 1em 0;display:flex;flex-wrap:wrap;gap:1em;'
        'border-bottom:1px solid #ddd;padding-bottom:.5em}.lf-desc{font-style:italic;opacity:.7;font-size:120%}'
        '.jp-InputArea.hidden{display:none}</style>')


def _exporter(cls, **kw):
    c = Config()
    c.TagRemovePreprocessor.remove_input_tags = {'remove_input'}
    c.TagRemovePreprocessor.enabled = True
    exp = cls(config=c, **kw)
    exp.exclude_input_prompt = exp.exclude_output_prompt = True
    return exp


def render_html(nb, fm, nav):
    exp = _exporter(HTMLExporter, template_name='lab')
    body, _ = exp.from_notebook_node(nb)
    head = f'<h1>{html.escape(str(_title(fm, Path("page"))))}</h1>'
    if fm.get('description'): head += f'<p class="lf-desc">{html.escape(str(fm["description"]))}</p>'
    body = re.sub(r'href="(?!https?:)([^"#]+)\.ipynb(#[^"]*)?"', r'href="\1.html\2"', body)  # links between pages
    return re.sub(r'(<body[^>]*>)', lambda m: m.group(1) + _CSS + nav + head, body, count=1)


def render_readme(nb, fm, files_dir='index_files/figure-commonmark'):
    "GitHub-flavoured markdown for the README: title, description, then the page; figures in `files_dir`"
    exp = _exporter(MarkdownExporter)
    body, res = exp.from_notebook_node(nb, resources={'output_files_dir': files_dir, 'unique_key': 'index'})
    body = re.sub(r'\n{3,}', '\n\n', body).strip() + '\n'
    body = re.sub(r'\]\((?!https?:|#)([^)]+\.ipynb)([^)]*)\)', r'](nbs/\1\2)', body)  # README sits above nbs/
    out = f"# {fm.get('title', 'README')}\n\n<!-- WARNING: THIS FILE WAS AUTOGENERATED! DO NOT EDIT! -->\n\n"
    if fm.get('description'): out += f"> {fm['description']}\n\n"
    body = body.replace('<!-- WARNING: THIS FILE WAS AUTOGENERATED! DO NOT EDIT! -->\n', '').lstrip()
    return out + body, res.get('outputs', {})


def main(check=False):
    cfg = get_config()
    root, nbs, docs = cfg.config_path, cfg.nbs_path, cfg.config_path / cfg.doc_path.name
    refresh_quarto_yml()
    _build_modidx()
    with warnings.catch_warnings(record=True) as caught:  # nbdev warns when it must run a cell mixing imports and code
        warnings.simplefilter('always')
        cache = Path(proc_nbs(nbs, n_workers=0, force=True))
    mixed = [str(w.message).split('---')[1].strip().splitlines()[0] for w in caught if 'imports and other code' in str(w.message)]
    if docs.exists(): shutil.rmtree(docs)
    docs.mkdir(parents=True)
    shutil.copy(nbs / 'styles.css', docs / 'styles.css')

    procs = sorted(p for p in cache.rglob('*.ipynb') if not any(s.startswith(('.', '_')) for s in p.relative_to(cache).parts))
    pages, prepared = [], {}
    problems = [f'a cell mixes imports and other code (nbdev runs it while building the docs): {m!r}...; '
                'put imports in their own cell' for m in mixed]
    for p in procs:
        rel = p.relative_to(cache)
        try:
            fm, nb = prepare(nbformat.read(p, as_version=4))
        except Exception as e:
            problems.append(f'{rel}: could not be read after processing ({e!r})'); continue
        for t in tracebacks(nb): problems.append(f'{rel}: shows a Python traceback ({t})')
        href = 'index.html' if rel.as_posix() == cfg.readme_nb else rel.with_suffix('.html').as_posix()
        prepared[rel] = (fm, nb, href)
        pages.append((href, str(_title(fm, rel))))
    pages.sort(key=lambda o: (o[0] != 'index.html', o[0].count('/') == 0, o[0]))  # home, tutorials, API

    for rel, (fm, nb, href) in prepared.items():
        try:
            out = docs / href
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(render_html(nbformat.from_dict(nb), fm, _nav(pages, href.count('/'))), encoding='utf-8')
        except Exception as e:
            problems.append(f'{rel}: failed to render to HTML ({e!r})')

    readme_nb = Path(cfg.readme_nb)
    if readme_nb not in prepared: problems.append(f'{readme_nb}: the README notebook was not found')
    else:
        fm, nb, _ = prepared[readme_nb]
        md, figures = render_readme(nbformat.from_dict(nb), fm)
        figdir = root / 'index_files'
        if check:
            old = (root / 'README.md').read_text(encoding='utf-8') if (root / 'README.md').exists() else ''
            if old != md: problems.append('README.md differs from what nbs/index.ipynb renders to: '
                                          'run `python .ci/build_docs.py` and commit README.md and index_files/')
            for name, data in figures.items():
                f = root / name
                if not f.exists() or f.read_bytes() != data:
                    problems.append(f'{name} is missing or stale: run `python .ci/build_docs.py` and commit it')
        else:
            if figdir.exists(): shutil.rmtree(figdir)
            for name, data in figures.items():
                (root / name).parent.mkdir(parents=True, exist_ok=True)
                (root / name).write_bytes(data)
            (root / 'README.md').write_text(md, encoding='utf-8')

    print(f'rendered {len(prepared)} pages into {docs}')
    for href, t in pages: print(f'  {href}: {t}')
    if problems:
        print('\nDocs build FAILED:', *problems, sep='\n  ', file=sys.stderr)
        return 1
    print('README.md ' + ('matches index.ipynb' if check else 'regenerated from index.ipynb'))
    return 0


if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--check', action='store_true', help='fail if README.md is not what index.ipynb renders to')
    sys.exit(main(ap.parse_args().check))
