#!/usr/bin/env python
"""Build the docs offline, without Quarto.

    python .ci/build_docs.py           # process notebooks, render the site into _docs/, regenerate README.md
    python .ci/build_docs.py --check   # the same, but fail if README.md is not what index.ipynb renders to
    python .ci/build_docs.py --out DIR --no-readme   # only the site, into DIR (tests/test_docs_site.py)

Steps:
1. nbdev's own notebook processing (`nbdev.serve.proc_nbs`), the step `nbdev_docs` runs before Quarto:
   hidden and exported cells removed, `show_doc` cells executed, symbol names linked, front matter extracted,
   into `_proc/`.
2. Every processed notebook is rendered with nbconvert's `lab` template, extended by `.ci/docs_site/page.html.j2`
   (head, sidebar grouped as in `nbs/sidebar.yml`, title and description, previous/next), honouring the Quarto
   cell options nbdev leaves behind (`echo: false`, `output: false`, `include: false`). On the way:
   - math is rendered to MathML at build time (`latex2mathml`): no script, no CDN, works offline;
   - headings get the ids Quarto (pandoc) gives them, so nbdev's symbol links find them; a table of contents
     is built from them;
   - nbdev's links to the published site (`<doc_host>/<baseurl>/data.html#...`) become links to the local
     pages (`00_data.html#...`), `.ipynb` links become `.html`; a symbol link whose name has no heading
     anywhere is unlinked and reported;
   - `show_doc` signatures: classes read `class Name(...)`, unannotated `None` defaults do not show
     `NoneType`, and links inside docments comments stay links instead of raw markdown;
   - machine paths are removed from stderr outputs (and the cells that write to stderr are reported).
3. `README.md` is regenerated from `nbs/index.ipynb` as GitHub-flavoured markdown (no front matter,
   hidden cells gone, figures written under `index_files/`).

It fails (exit 1) when a page does not render, when a page shows a Python traceback, when a formula cannot be
rendered, when an internal link has no target, when the sidebar and the notebooks disagree, or (with --check)
when README.md differs from what index.ipynb renders to. It prints notes for what the notebooks should fix
(stderr outputs, headings with nothing under them, unlinked symbol names). With Quarto installed,
`nbdev_docs` builds the published site from the same `_quarto.yml`.
"""
import argparse, copy, fnmatch, html, importlib, inspect, re, shutil, sys, typing, warnings
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import nbformat
import yaml
from bs4 import BeautifulSoup
from latex2mathml.converter import convert as latex_to_mathml
from nbconvert import HTMLExporter, MarkdownExporter
from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath
from traitlets.config import Config

try: from jinja2 import pass_context
except ImportError: from jinja2 import contextfilter as pass_context

from nbdev.config import get_config
from nbdev.doclinks import _build_modidx
from nbdev.quarto import refresh_quarto_yml
from nbdev.serve import proc_nbs

SITE_FILES = Path(__file__).resolve().parent / 'docs_site'  # page template and stylesheet
_re_directive = re.compile(r'^\s*#\|\s*([\w-]+)\s*:\s*(.*?)\s*$')
_TRACEBACK = 'Traceback (most recent call last)'
_re_attrs = re.compile(r'\{target="_blank"[^}]*\}')


# ---------------------------------------------------------------------------------------------------------------
# Processed notebooks: Quarto cell options, show_doc output, stderr
# ---------------------------------------------------------------------------------------------------------------

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


_re_sd_heading = re.compile(r'^#{2,4} (\S+)\s*$', re.M)
_re_sd_source = re.compile(r'\[source\]\(https?://\S+?/blob/[^/\s]+/(\S+?)\.py#L\d+\)')
_re_sd_block = re.compile(r'```python\n(.*?)\n```', re.S)


def _symbol(md):
    "The object a `show_doc` output documents, from its heading and its source link (None if not found)"
    head, src = _re_sd_heading.search(md), _re_sd_source.search(md)
    if not (head and src): return None
    try: obj = importlib.import_module(src.group(1).replace('/', '.'))
    except Exception: return None
    for part in head.group(1).split('.'):
        obj = getattr(obj, part, None)
        if obj is None: return None
    return obj


def _class_signature(cls, sig):
    "`def Name(...)->None:` as fastcore prints every class, rewritten `class Name(...):`"
    name = cls.__name__
    if re.fullmatch(rf'def {name}\(\s*\*args, \*\*kwargs\s*\):', sig.strip()):
        # no constructor of its own (a Protocol, an exception, a class without __init__): show what it is
        bases = ', '.join(b.__name__ for b in cls.__bases__ if b not in (object, typing.Generic))
        return f'class {name}({bases}):' if bases else f'class {name}:'
    sig = re.sub(rf'^def {name}\(', f'class {name}(', sig, count=1)
    return re.sub(r'\)->None:', '):', sig)


def fix_show_doc(md):
    "Mend what fastcore's `show_doc` prints in a signature: `def` for classes, `NoneType` for `=None`"
    m = _re_sd_block.search(md)
    if not m or not md.startswith('---'): return md
    sig = re.sub(r'(\w+):NoneType=None\b', r'\1=None', m.group(1))  # unannotated `=None`: fastcore shows type(None)
    obj = _symbol(md)
    if inspect.isclass(obj): sig = _class_signature(obj, sig)
    return md[:m.start(1)] + sig + md[m.end(1):]


_re_machine_path = re.compile(r'(?<![\w.])/(?:[\w.+-]+/)+[\w.+-]+\.py\b')


def strip_machine_paths(text):
    "Absolute file paths in a warning, made machine-independent (`.../site-packages/pandas/x.py` -> `pandas/x.py`)"
    def short(m):
        p = m.group(0)
        if 'site-packages/' in p: return p.split('site-packages/', 1)[1]
        if re.search(r'/ipykernel_\d+/', p): return '<cell>'
        return Path(p).name
    return _re_machine_path.sub(short, text)


def prepare(nb, notes=None, name='notebook'):
    "Apply Quarto cell options to a processed notebook and mend show_doc and stderr output; return (front matter, nb)"
    fm = _front_matter(nb)
    cells = []
    for c in nb.cells:
        if not c.get('source', '').strip() and c.cell_type != 'code': continue
        if c.cell_type == 'code':
            opts, c.source = _directives(c.get('source', ''))
            if opts.get('include') == 'false': continue
            if opts.get('output') == 'false': c.outputs = []
            if opts.get('echo') == 'false': c.metadata.setdefault('tags', []).append('remove_input')
            for o in c.get('outputs', []):
                md = o.get('data', {}).get('text/markdown')
                if md:  # Quarto link attributes ({target=...}) that plain markdown would print; show_doc signatures
                    md = _re_attrs.sub('', md if isinstance(md, str) else ''.join(md))
                    o['data']['text/markdown'] = fix_show_doc(md)
                if o.get('output_type') == 'stream' and o.get('name') == 'stderr':
                    text = ''.join(o.get('text', ''))
                    first = strip_machine_paths(text).strip().splitlines()[:1]
                    if notes is not None:
                        notes.append(f"{name}: cell {c.get('id', '?')} writes to stderr: {first[0] if first else ''!r}")
                    o['text'] = strip_machine_paths(text)
            if not c.source.strip() and not c.get('outputs'): continue
        cells.append(c)
    nb.cells = cells
    nb.metadata['language_info'] = {'name': 'python'}  # nbdev_clean strips it; code blocks are Python
    return fm, nb


_re_md_heading = re.compile(r'^(#{1,6})\s+(.+?)\s*#*\s*$')


def empty_headings(nb):
    "Headings of a prepared notebook with nothing under them on the page (`(cell id, heading)`)"
    found, pending = [], None  # pending: (level, cell id, text) of a heading not yet followed by content
    for c in nb.cells:
        if c.cell_type != 'markdown':
            pending = None; continue
        in_fence = False
        for line in c.source.splitlines():
            if line.lstrip().startswith('```'): in_fence = not in_fence
            m = None if in_fence else _re_md_heading.match(line)
            if m:
                level = len(m.group(1))
                if pending and level <= pending[0]: found.append(pending[1:])
                pending = (level, c.get('id', '?'), m.group(2))
            elif line.strip(): pending = None
    if pending: found.append(pending[1:])
    return found


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


# ---------------------------------------------------------------------------------------------------------------
# Markdown: math to MathML, Quarto heading ids, links inside signatures
# ---------------------------------------------------------------------------------------------------------------

_re_text_cmd = re.compile(r'\\(text|texttt|textrm|textit|textbf|mathrm|mathtt|mbox|operatorname)\{([^{}]*)\}')
_ENVIRONMENTS = {'aligned': 'align*', 'gathered': 'gather*'}  # what latex2mathml knows these as


def tex_to_mathml(tex, display):
    "MathML for a TeX formula; ValueError when latex2mathml cannot render it faithfully"
    # in text mode `\_` is an underscore (MathJax and latex2mathml would print the backslash)
    tex = _re_text_cmd.sub(lambda m: '\\' + m.group(1) + '{' + re.sub(r'\\([_%&#$])', r'\1', m.group(2)) + '}', tex)
    for env, known in _ENVIRONMENTS.items():
        tex = tex.replace(f'\\begin{{{env}}}', f'\\begin{{{known}}}').replace(f'\\end{{{env}}}', f'\\end{{{known}}}')
    out = latex_to_mathml(tex.strip(), display=display)
    if re.search(r'<mi>(&|\\[A-Za-z]+)</mi>', out):
        raise ValueError('a command or environment latex2mathml does not know')
    return out


def slugify(text):
    "The id pandoc (so Quarto, so nbdev's symbol links) gives a heading with this (inline HTML) text"
    s = re.sub(r'[^\w\s.-]', '', html.unescape(re.sub(r'<[^>]+>', '', text)).lower())
    s = re.sub(r'\s+', '-', s.strip())
    return re.sub(r'^[^a-z]+', '', s) or 'section'


_re_md_code_link = re.compile(r'\[`([^`\]]+)`\]\(((?:https?://|\.\.?/|[\w-]+\.ipynb)[^)\s]*)\)')


class SiteRenderer(IPythonRenderer):
    "nbconvert's markdown renderer, with MathML math, pandoc heading ids and links kept inside code blocks"
    def __init__(self, page, **kw):
        super().__init__(**kw)
        self.page = page

    def heading(self, text, level, **attrs):
        hid = self.page.unique_id(slugify(text))
        return (f'<h{level} id="{hid}">{text}<a class="anchor-link" href="#{hid}" '
                f'aria-label="Link to this section">¶</a></h{level}>\n')

    def _math(self, tex, display):
        try: return tex_to_mathml(tex, display)
        except Exception as e:
            self.page.problems.append(f'{self.page.href}: cannot render the formula {tex.strip()[:80]!r} ({e})')
            return f'<code class="lf-math-error">{html.escape(tex)}</code>'

    def block_math(self, body): return self._math(body, 'block')
    def inline_math(self, body): return self._math(body, 'inline')
    def multiline_math(self, text): return self._math(text.strip().strip('$'), 'block')
    def latex_environment(self, name, body): return self._math(f'\\begin{{{name}}}{body}\\end{{{name}}}', 'block')

    def block_code(self, code, info=None):
        # nbdev links symbol names in docments comments too: `[`name`](url)` inside a signature. Keep them links.
        links = []
        def stash(m):
            links.append(m.groups())
            return f'lfcodelink{len(links) - 1}x'
        out = super().block_code(_re_md_code_link.sub(stash, code), info)
        for i, (name, url) in enumerate(links):
            link = f'<a class="lf-symbol" href="{html.escape(url)}">{html.escape(name)}</a>'
            out = out.replace(f'lfcodelink{i}x', link)
        return out


def render_markdown(source, page, attachments=None):
    renderer = SiteRenderer(page, escape=False, attachments=attachments or {}, anchor_link_text='¶')
    return MarkdownWithMath(renderer=renderer).render(source)


def render_inline(source, page):
    "One line of markdown (a title, a description) as inline HTML"
    return re.sub(r'^<p>(.*)</p>\s*$', r'\1', render_markdown(source, page).strip(), flags=re.S)


class SiteExporter(HTMLExporter):
    "nbconvert's HTML exporter with the site's markdown renderer"
    @pass_context
    def markdown2html(self, context, source):
        page = context.get('resources', {}).get('lf_page')
        if page is None: return super().markdown2html(context, source)
        return render_markdown(source, page, context.get('cell', {}).get('attachments', {}))


# ---------------------------------------------------------------------------------------------------------------
# The site: pages, navigation, links
# ---------------------------------------------------------------------------------------------------------------

@dataclass
class Page:
    href: str                      # site-relative output path: index.html, 00_data.html, tutorials/01_x.html
    site_title: str
    label: str = ''                # how the sidebar and previous/next name it
    title_text: str = ''
    title_html: str = ''
    title_id: str = 'page-title'
    description_text: str = ''
    description_html: str = ''
    nav: list = field(default_factory=list)
    prev: dict | None = None
    next: dict | None = None
    ids: set = field(default_factory=set)
    problems: list = field(default_factory=list)

    @property
    def up(self): return '../' * self.href.count('/')

    def unique_id(self, base):
        "pandoc's rule for repeated headings: `name`, `name-1`, `name-2`, ..."
        hid, n = base, 0
        while hid in self.ids: n += 1; hid = f'{base}-{n}'
        self.ids.add(hid)
        return hid


def sidebar_sections(nbs, rels):
    "[(section title or None, [notebook paths])] in the order of nbs/sidebar.yml; problems when they disagree"
    conf = yaml.safe_load((nbs / 'sidebar.yml').read_text(encoding='utf-8'))
    entries = conf['website']['sidebar']['contents']
    problems, seen = [], set()

    def expand(e):
        if isinstance(e, dict) and 'auto' in e:
            found = sorted(r for r in rels if fnmatch.fnmatch(r, str(e['auto']).lstrip('/')))
            if not found: problems.append(f'nbs/sidebar.yml: `auto: {e["auto"]}` matches no notebook')
            return found
        path = e.get('href') if isinstance(e, dict) else e
        if path not in rels: problems.append(f'nbs/sidebar.yml lists {path}, which is not a notebook of the docs')
        return [path] if path in rels else []

    sections, loose = [], []
    for e in entries:
        if isinstance(e, dict) and 'section' in e:
            if loose: sections.append((None, loose)); loose = []
            sections.append((e['section'], [p for c in e.get('contents', []) for p in expand(c)]))
        else: loose += expand(e)
    if loose: sections.append((None, loose))
    for _, paths in sections: seen.update(paths)
    for r in sorted(set(rels) - seen):
        problems.append(f'{r} is not in nbs/sidebar.yml: add it (the Quarto site would not list it either)')
    return sections, problems


def _split(url):
    parts = urlsplit(url)
    return parts, parts.path, parts.fragment


def _resolve(page_href, url):
    "Site-relative path and fragment an internal link points to, or None for external and data URLs"
    parts, path, frag = _split(url)
    if parts.scheme or parts.netloc or url.startswith(('mailto:', 'data:')): return None
    if not path: return page_href, frag
    base = Path(page_href).parent
    target = (base / path).as_posix()
    out = []
    for seg in target.split('/'):
        if seg == '..':
            if not out: return '..', frag  # outside the site
            out.pop()
        elif seg not in ('', '.'): out.append(seg)
    return '/'.join(out), frag


class Site:
    def __init__(self, cfg, out, pages, published):
        self.out, self.pages, self.published = out, pages, published  # published: Quarto name -> local href
        baseurl = str(cfg.doc_baseurl).strip('/')
        self.doc_base = str(cfg.doc_host).rstrip('/') + (f'/{baseurl}' if baseurl else '') + '/'  # the published site
        self.notes, self.problems = [], []

    def localize(self, page, a):
        "Point a link at the local page: published-site URLs (nbdev's symbol links) and .ipynb links"
        url = a.get('href', '')
        if url.startswith(self.doc_base):
            path, _, frag = url[len(self.doc_base):].partition('#')
            local = self.published.get(path or 'index.html')
            if local is None:
                self.problems.append(f'{page.href}: a link to the published page {path!r}, which no notebook makes')
                return
            a['href'] = page.up + local + (f'#{frag}' if frag else '')
            a['class'] = list(dict.fromkeys(a.get('class', []) + ['lf-symbol']))
            return
        parts, path, frag = _split(url)
        if not parts.scheme and not parts.netloc and path.endswith('.ipynb'):
            a['href'] = urlunsplit(parts._replace(path=path[:-len('.ipynb')] + '.html'))

    def table_of_contents(self, soup):
        toc, main = soup.find('nav', class_='lf-toc'), soup.find('main')
        heads = [h for h in main.find_all(['h2', 'h3']) if h.get('id')] if main else []
        if not toc or not heads:
            if toc: toc.decompose()
            return
        ul = soup.new_tag('ul')
        for h in heads:
            li, a = soup.new_tag('li', attrs={'class': f'lf-toc-{h.name[1]}'}), soup.new_tag('a', href=f"#{h['id']}")
            inner = copy.copy(h)
            for x in inner.find_all('a', class_='anchor-link'): x.decompose()
            for x in inner.find_all('a'): x.unwrap()  # no links inside the link
            for x in list(inner.children): a.append(x)
            li.append(a); ul.append(li)
        toc.append(ul)

    def check_links(self, soups):
        "Internal links must reach a page and an id; symbol links with no target are unlinked and reported"
        ids = {href: {e['id'] for e in s.find_all(id=True)} for href, s in soups.items()}
        for href, soup in soups.items():
            for a in soup.find_all('a', href=True):
                where = _resolve(href, a['href'])
                if where is None: continue
                target, frag = where
                if target not in ids and not (self.out / target).is_file():
                    self.problems.append(f'{href}: link {a["href"]!r} ({a.get_text()!r}) reaches no page'); continue
                if not frag or target not in ids or frag in ids[target]: continue
                same_case = [i for i in ids[target] if i.lower() == frag.lower()]
                if len(same_case) == 1:  # an anchor written another way (nbconvert's ids kept case)
                    a['href'] = a['href'][:-len(frag)] + same_case[0]
                elif 'lf-symbol' in a.get('class', []):
                    self.notes.append(f'{href}: `{a.get_text()}` is linked to {target}#{frag}, which has no '
                                      'heading (a private or undocumented name); shown without a link')
                    a.unwrap()
                else:
                    self.problems.append(f'{href}: link {a["href"]!r} ({a.get_text()!r}): {target} has no id {frag!r}')


def _exporter(cls, **kw):
    c = Config()
    c.TagRemovePreprocessor.remove_input_tags = {'remove_input'}
    c.TagRemovePreprocessor.enabled = True
    exp = cls(config=c, **kw)
    exp.exclude_input_prompt = exp.exclude_output_prompt = True
    return exp


def _site_exporter():
    return _exporter(SiteExporter, template_name='lab', extra_template_paths=[str(SITE_FILES)],
                     template_file='page.html.j2')


def write_static(exp, resources, out):
    "The stylesheets every page links: JupyterLab's cell styles (once, not inlined per page) and the site's"
    env = exp.environment
    css = [env.loader.get_source(env, f'static/{f}')[0] for f in ('index.css', 'theme-light.css')]
    css += list(resources.get('inlining', {}).get('css', []))  # syntax highlighting
    (out / '_static').mkdir(parents=True, exist_ok=True)
    (out / '_static' / 'jupyter.css').write_text('\n'.join(css), encoding='utf-8')
    shutil.copy(SITE_FILES / 'site.css', out / '_static' / 'site.css')


def site_notebook(nb):
    "A copy of a prepared notebook without the cells a page shows as blank (nbdev's `<!-- WARNING ... -->` cell)"
    nb = nbformat.from_dict(copy.deepcopy(nb))
    blank = re.compile(r'\s*(<!--.*?-->\s*)*', re.S)
    nb.cells = [c for c in nb.cells if not (c.cell_type == 'markdown' and blank.fullmatch(c.source))]
    return nb


def render_html(nb, page):
    "One page of the site, as a BeautifulSoup tree (links not yet checked), and nbconvert's resources"
    exp = _site_exporter()
    body, resources = exp.from_notebook_node(nb, resources={'lf_page': page})
    return BeautifulSoup(body, 'html.parser'), exp, resources


def build_site(cfg, cache, out, notes, problems):
    "Render every processed notebook in `cache` into `out`; return {relative notebook path: (fm, nb, href)}"
    procs = sorted(p for p in cache.rglob('*.ipynb')
                   if not any(s.startswith(('.', '_')) for s in p.relative_to(cache).parts))
    prepared, published = {}, {}
    for p in procs:
        rel = p.relative_to(cache)
        try:
            fm, nb = prepare(nbformat.read(p, as_version=4), notes, rel.as_posix())
        except Exception as e:
            problems.append(f'{rel}: could not be read after processing ({e!r})'); continue
        for t in tracebacks(nb): problems.append(f'{rel}: shows a Python traceback ({t})')
        for cid, text in empty_headings(nb): notes.append(f'{rel}: heading {text!r} (cell {cid}) has nothing under it')
        href = 'index.html' if rel.as_posix() == cfg.readme_nb else rel.with_suffix('.html').as_posix()
        prepared[rel] = (fm, nb, href)
        published[(rel.parent / fm.get('output-file', rel.with_suffix('.html').name)).as_posix()] = href

    sections, sb_problems = sidebar_sections(cfg.nbs_path, {r.as_posix() for r in prepared})
    problems += sb_problems
    by_rel = {r.as_posix(): v for r, v in prepared.items()}
    pages = {}
    for rel, (fm, nb, href) in prepared.items():
        page = Page(href=href, site_title=cfg.title)
        page.title_html = render_inline(str(_title(fm, rel)), page)
        page.title_text = BeautifulSoup(page.title_html, 'html.parser').get_text().strip()
        page.label = 'Home' if href == 'index.html' else page.title_text
        if fm.get('description'):
            page.description_html = render_inline(str(fm['description']), page)
            page.description_text = BeautifulSoup(page.description_html, 'html.parser').get_text().strip()
        page.ids = {page.title_id}
        pages[href] = page
    order = [by_rel[r][2] for _, rels in sections for r in rels]
    nav = [{'title': t, 'pages': [{'href': by_rel[r][2], 'label': pages[by_rel[r][2]].label} for r in rels]}
           for t, rels in sections]
    for i, href in enumerate(order):
        pages[href].nav = nav
        if i: pages[href].prev = {'href': order[i - 1], 'label': pages[order[i - 1]].label}
        if i + 1 < len(order): pages[href].next = {'href': order[i + 1], 'label': pages[order[i + 1]].label}

    site = Site(cfg, out, pages, published)
    soups, exp, resources = {}, None, {}
    for rel, (fm, nb, href) in prepared.items():
        page = pages[href]
        if not page.nav: page.nav = nav
        try:
            soup, exp, resources = render_html(site_notebook(nb), page)
        except Exception as e:
            problems.append(f'{rel}: failed to render to HTML ({e!r})'); continue
        for a in soup.find_all('a', href=True): site.localize(page, a)
        for a in soup.find_all('a', string='source'):  # show_doc's source link: floated right by site.css
            if a.parent.name == 'p' and a.parent.get_text(strip=True) == 'source': a.parent['class'] = ['lf-source']
        site.table_of_contents(soup)
        soups[href] = soup
        problems += page.problems

    if out.exists(): shutil.rmtree(out)
    out.mkdir(parents=True)
    shutil.copy(cfg.nbs_path / 'styles.css', out / 'styles.css')
    if exp is not None: write_static(exp, resources, out)
    site.check_links(soups)
    problems += site.problems
    notes += site.notes
    for href, soup in soups.items():
        (out / href).parent.mkdir(parents=True, exist_ok=True)
        (out / href).write_text(str(soup), encoding='utf-8')
    return prepared, [(h, pages[h].title_text) for h in order]


# ---------------------------------------------------------------------------------------------------------------
# README
# ---------------------------------------------------------------------------------------------------------------

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


def readme(cfg, prepared, check, problems):
    root, readme_nb = cfg.config_path, Path(cfg.readme_nb)
    if readme_nb not in prepared:
        problems.append(f'{readme_nb}: the README notebook was not found'); return
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


def main(check=False, out=None, with_readme=True):
    cfg = get_config()
    docs = Path(out).resolve() if out else cfg.config_path / cfg.doc_path.name
    refresh_quarto_yml()
    _build_modidx()
    with warnings.catch_warnings(record=True) as caught:  # nbdev warns when it must run a cell mixing imports and code
        warnings.simplefilter('always')
        cache = Path(proc_nbs(cfg.nbs_path, n_workers=0, force=True))
    mixed = [str(w.message).split('---')[1].strip().splitlines()[0] for w in caught
             if 'imports and other code' in str(w.message)]
    problems = [f'a cell mixes imports and other code (nbdev runs it while building the docs): {m!r}...; '
                'put imports in their own cell' for m in mixed]
    notes = []
    prepared, order = build_site(cfg, cache, docs, notes, problems)
    if with_readme: readme(cfg, prepared, check, problems)

    print(f'rendered {len(order)} pages into {docs}')
    for href, t in order: print(f'  {href}: {t}')
    if notes: print('\nNotes (fix these in the notebooks):', *notes, sep='\n  ')
    if problems:
        print('\nDocs build FAILED:', *problems, sep='\n  ', file=sys.stderr)
        return 1
    if with_readme: print('README.md ' + ('matches index.ipynb' if check else 'regenerated from index.ipynb'))
    return 0


if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--check', action='store_true', help='fail if README.md is not what index.ipynb renders to')
    ap.add_argument('--out', help='write the site here instead of the doc_path of settings.ini (_docs)')
    ap.add_argument('--no-readme', action='store_true', help='build the site only: neither check nor write README.md')
    args = ap.parse_args()
    sys.exit(main(args.check, args.out, not args.no_readme))
