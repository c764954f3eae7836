"""The offline docs site (`.ci/build_docs.py`) as a reader gets it: every page parsed with an HTML parser.

The site is built once into a temporary folder; `check_site` then reads every page and reports what a reader
would trip over. Each check is also run on small synthetic pages, broken on purpose, so none of them can pass
by not looking. Problems that come from the notebooks' own markdown (the Quarto site shows them too) are listed in
`KNOWN` with the notebook and cell to fix; an entry that no longer matches fails, so the list only shrinks.
"""
import configparser, importlib.util, re, sys
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from helpers import run_timed

ROOT = Path(__file__).resolve().parents[1]
# our own published site: the offline build must not link there; other sites' docs (narwhals', ...) are fine
_ini = configparser.ConfigParser(); _ini.read(ROOT / 'settings.ini')
PUBLISHED = _ini['DEFAULT']['doc_host'].split('://')[-1]

# Each entry: (page, check, text the problem names). Fix the notebook cell, rebuild, delete the entry.
KNOWN = set()  # none left: the two nested links (tutorials 2 and 4) were fixed in the notebooks

MACHINE_PATHS = ('/work/', '/home/', '/tmp/', 'site-packages', '/Users/', 'C:\\')
STDERR = 'application/vnd.jupyter.stderr'
_re_md_link = re.compile(r'\[[^\[\]\n]{1,200}\]\((?:https?://|\.{0,2}/|#|[\w./-]+\.(?:html|ipynb))[^()\s]*\)')
_re_raw_inline_math = re.compile(r'\$[^$\n]*\\[A-Za-z]+[^$\n]*\$')
_NOT_PROSE = ('pre', 'script', 'style', 'math', 'code', 'textarea')
_BLOCKS = ('p', 'li', 'td', 'th', 'dt', 'dd', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'blockquote', 'figcaption')


def _text_outside(el, skip):
    "The text of `el`, leaving out the subtrees of tags named in `skip`"
    parts = []
    for s in el.find_all(string=True):
        if not any(p.name in skip for p in s.parents): parts.append(str(s))
    return ''.join(parts)


def _target(page, url):
    "(site-relative page, fragment) an internal link points to; None for external links"
    if re.match(r'^[a-z][a-z0-9+.-]*:', url, re.I) or url.startswith('//'): return None
    path, _, frag = url.partition('#')
    path = path.split('?')[0]
    if not path: return page, frag
    parts = []
    for seg in (Path(page).parent / path).as_posix().split('/'):
        if seg == '..':
            if not parts: return '../', frag
            parts.pop()
        elif seg not in ('', '.'): parts.append(seg)
    return '/'.join(parts), frag


def check_page(page, soup):
    "Problems of one page on its own: [(page, check, detail)]"
    out = []
    def bad(check, detail): out.append((page, check, detail))

    title = soup.title.get_text(strip=True) if soup.title else ''
    if not title or title.split(' – ')[0].strip().lower() in ('notebook', 'untitled'):
        bad('title', f'page title {title!r}')
    if not soup.find('h1'): bad('title', 'no <h1> heading')
    if not soup.find('meta', attrs={'name': 'viewport'}): bad('layout', 'no viewport meta (unusable on a phone)')
    css = [l.get('href', '') for l in soup.find_all('link', rel='stylesheet')]
    if not any(h.endswith('styles.css') for h in css): bad('layout', 'the house styles (styles.css) are not linked')

    nav = soup.find('nav', class_='lf-sidebar')
    current = nav.find_all('a', attrs={'aria-current': 'page'}) if nav else []
    if not nav: bad('navigation', 'no sidebar')
    elif len(current) != 1 or _target(page, current[0].get('href', ''))[0] != page:
        bad('navigation', f'the sidebar marks {len(current)} links as the current page, not exactly this one')
    elif [p.get_text(strip=True) for p in nav.find_all(class_='lf-section')] != ['Tutorials', 'API']:
        bad('navigation', 'the sidebar is not grouped Tutorials / API')
    if not soup.find('nav', class_='lf-pager') or not soup.select('.lf-pager a[rel]'):
        bad('navigation', 'no previous/next links')
    main = soup.find('main')
    if main and main.find('h2') and not soup.select('nav.lf-toc a[href^="#"]'):
        bad('navigation', 'the page has sections but no table of contents')

    for tag, attr in (('a', 'href'), ('img', 'src'), ('link', 'href'), ('script', 'src'), ('iframe', 'src')):
        for el in soup.find_all(tag, attrs={attr: True}):
            url = el[attr]
            if PUBLISHED in url: bad('published link', f'<{tag}> points to the published site: {url}')
            if tag != 'a' and re.match(r'^(https?:)?//', url): bad('offline', f'<{tag}> loads {url} from the network')

    for el in soup.find_all(string=True):
        if any(p.name in _NOT_PROSE for p in el.parents): continue
        s = str(el)
        if '$$' in s or '\\begin{' in s or _re_raw_inline_math.search(s): bad('raw math', s.strip()[:120])
    for el in soup.find_all(_BLOCKS):
        if el.find(_BLOCKS): continue  # innermost blocks only, so each finding is reported once
        for m in _re_md_link.finditer(_text_outside(el, ('pre', 'script', 'style', 'math'))):
            bad('markdown', m.group(0))

    for el in soup.find_all(attrs={'data-mime-type': STDERR}):
        text = el.get_text()
        if 'Traceback (most recent call last)' in text: bad('stderr', f'a traceback: {text.strip()[:200]}')
        for p in MACHINE_PATHS:
            if p in text: bad('stderr', f'a machine path ({p}): {text.strip()[:200]}')
    return out


def check_site(site):
    "Problems of a built site: each page's own, then links and anchors across pages (case-sensitive)"
    site = Path(site)
    soups = {p.relative_to(site).as_posix(): BeautifulSoup(p.read_text(encoding='utf-8'), 'html.parser')
             for p in sorted(site.rglob('*.html'))}
    out = [x for page, soup in soups.items() for x in check_page(page, soup)]
    ids = {page: {e['id'] for e in soup.find_all(id=True)} for page, soup in soups.items()}
    for page, soup in soups.items():
        for tag, attr in (('a', 'href'), ('img', 'src'), ('link', 'href'), ('script', 'src')):
            for el in soup.find_all(tag, attrs={attr: True}):
                t = _target(page, el[attr])
                if t is None or el[attr].startswith('data:'): continue
                path, frag = t
                if path not in ids and not (site / path).is_file():
                    out.append((page, 'link', f'{el[attr]} reaches no file')); continue
                if frag and path in ids and frag not in ids[path]:
                    out.append((page, 'link', f'{el[attr]}: {path} has no id {frag!r}'))
    return out


def _known(problem):
    return any(problem[0] == page and problem[1] == check and text in problem[2] for page, check, text in KNOWN)


@pytest.fixture(scope='module')
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp('site') / '_docs'
    res = run_timed([sys.executable, '.ci/build_docs.py', '--out', str(out), '--no-readme'],
                    'the offline docs build', timeout=900, cwd=ROOT)
    assert res.returncode == 0, f'the docs build failed:\n{res.stdout[-3000:]}\n{res.stderr[-3000:]}'
    return out


def test_every_notebook_is_a_page(site):
    nbs = sorted(p.relative_to(ROOT / 'nbs').with_suffix('.html').as_posix() for p in (ROOT / 'nbs').rglob('*.ipynb')
                 if not any(s.startswith(('.', '_')) for s in p.relative_to(ROOT / 'nbs').parts))
    pages = sorted(p.relative_to(site).as_posix() for p in site.rglob('*.html'))
    assert pages == sorted(n for n in nbs), (pages, nbs)


def test_the_built_site_has_no_problems(site):
    problems = check_site(site)
    unknown = [p for p in problems if not _known(p)]
    assert not unknown, 'the offline docs site has problems:\n' + '\n'.join(f'{p}: [{c}] {d}' for p, c, d in unknown)
    stale = [k for k in KNOWN if not any(p[0] == k[0] and p[1] == k[1] and k[2] in p[2] for p in problems)]
    assert not stale, f'fixed, so remove from KNOWN in {Path(__file__).name}: {stale}'


def test_symbol_links_are_local_and_look_like_links(site):
    soup = BeautifulSoup((site / '09_forecaster.html').read_text(encoding='utf-8'), 'html.parser')
    links = soup.select('a.lf-symbol')
    assert len(links) > 10 and all(PUBLISHED not in a['href'] for a in links)
    assert any(a['href'].startswith('05_train.html#') for a in links), [a['href'] for a in links][:20]
    assert soup.select('pre a.lf-symbol'), 'links in docments comments should stay links inside the signature'
    css = (site / '_static' / 'site.css').read_text()
    assert 'a code' in css and 'math' in css and 'nowrap' in css


def test_math_is_rendered_at_build_time(site):
    soup = BeautifulSoup((site / '03_model.html').read_text(encoding='utf-8'), 'html.parser')
    maths = soup.find_all('math')
    assert len(maths) > 10
    assert not any('\\_' in m.get_text() for m in maths), 'an escaped underscore inside \\text{} shows its backslash'
    assert not soup.find_all('script'), 'the site needs no script (math is MathML)'


def test_show_doc_signatures(site):
    text = {p: (site / p).read_text(encoding='utf-8') for p in ('05_train.html', '04_losses.html', '06_metrics.html')}
    train = BeautifulSoup(text['05_train.html'], 'html.parser').get_text()
    assert 'class Batches(Protocol)' in train and 'class TrainConfig(' in train and 'def Batches' not in train
    assert 'class TrainingDiverged(ValueError)' in train
    metrics = BeautifulSoup(text['06_metrics.html'], 'html.parser').get_text()
    assert 'NoneType' not in metrics and 'y_hat=None' in metrics


def test_description_is_markdown_and_titles_are_real(site):
    soup = BeautifulSoup((site / '09_forecaster.html').read_text(encoding='utf-8'), 'html.parser')
    desc = soup.find(class_='description')
    assert desc.find('code') and '`' not in desc.get_text()
    assert soup.title.get_text().startswith('The forecaster')


# --- each check can fail: synthetic pages through the same checker --------------------------------------------

def _page(body='', title='Good page', head='', href_self='a.html', sections=('Tutorials', 'API')):
    secs = ''.join(f'<p class="lf-section">{s}</p><ul><li><a href="b.html">B</a></li></ul>' for s in sections)
    return f'''<!DOCTYPE html><html><head><meta name="viewport" content="width=device-width">
<title>{title}</title><link rel="stylesheet" href="styles.css">{head}</head><body>
<nav class="lf-sidebar"><ul><li><a href="{href_self}" aria-current="page">Me</a></li></ul>{secs}</nav>
<main><h1>{title}</h1><nav class="lf-toc"><a href="#sec">Sec</a></nav><h2 id="sec">Sec</h2>{body}
<nav class="lf-pager"><a rel="next" href="b.html">B</a></nav></main></body></html>'''


def _site_with(tmp_path, body='', **kw):
    (tmp_path / 'styles.css').write_text('')
    (tmp_path / 'a.html').write_text(_page(body, **kw))
    (tmp_path / 'b.html').write_text(_page('<h2 id="Target">T</h2>', title='B', href_self='b.html'))
    return check_site(tmp_path)


def test_a_good_synthetic_site_passes(tmp_path):
    assert _site_with(tmp_path, '<p>See <a href="b.html#Target"><code>b</code></a> and <math><mi>x</mi></math>.</p>'
                                '<pre>$$ raw in code is fine [x](y.html) </pre>') == []


@pytest.mark.parametrize('kw, check', [
    (dict(title='Notebook'), 'title'),
    (dict(body='<a href="b.html#target">case differs</a>'), 'link'),
    (dict(body='<a href="#nowhere">x</a>'), 'link'),
    (dict(body='<a href="missing.html">x</a>'), 'link'),
    (dict(body='<img src="img/missing.png">'), 'link'),
    (dict(body='<a href="https://lstm-forecast.github.io/lstm-forecast/data.html#x">x</a>'), 'published link'),
    (dict(head='<script src="https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-chtml.js"></script>'), 'offline'),
    (dict(body='<p>$$x^2$$</p>'), 'raw math'),
    (dict(body='<p>\\begin{aligned} a &= b \\end{aligned}</p>'), 'raw math'),
    (dict(body='<p>the rate $\\alpha_t$ grows</p>'), 'raw math'),
    (dict(body='<p>see [the model](../03_model.html) for more</p>'), 'markdown'),
    (dict(body='<p>[<a href="b.html"><code>x</code></a>](https://example.com/x)</p>'), 'markdown'),
    (dict(body=f'<div data-mime-type="{STDERR}"><pre>Traceback (most recent call last):\n  x</pre></div>'), 'stderr'),
    (dict(body=f'<div data-mime-type="{STDERR}"><pre>/work/venv/lib/x.py:3: RuntimeWarning</pre></div>'), 'stderr'),
    (dict(body=f'<div data-mime-type="{STDERR}"><pre>.../site-packages/pandas/x.py:3: W</pre></div>'), 'stderr'),
    (dict(href_self='b.html'), 'navigation'),
    (dict(sections=('API',)), 'navigation'),
])
def test_each_check_fails_on_a_broken_page(tmp_path, kw, check):
    problems = _site_with(tmp_path, **kw)
    assert [c for p, c, d in problems if p == 'a.html'] == [check], problems


def test_a_page_without_toc_sidebar_pager_or_styles_fails(tmp_path):
    (tmp_path / 'a.html').write_text('<html><head><title>T</title></head><body><h1>T</h1>'
                                     '<main><h2 id="s">S</h2></main></body></html>')
    checks = [c for _, c, _ in check_site(tmp_path)]
    assert checks.count('navigation') == 3 and checks.count('layout') == 2, checks


# --- the build's own mending, on small inputs ------------------------------------------------------------------

@pytest.fixture(scope='module')
def build():
    spec = importlib.util.spec_from_file_location('build_docs', ROOT / '.ci' / 'build_docs.py')
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_heading_ids_are_pandocs(build):
    # the ids Quarto gives headings, which nbdev's symbol links (`forecaster.html#lstmforecast.fit`) point to
    assert build.slugify('SeriesPanel.from_df') == 'seriespanel.from_df'
    assert build.slugify('2. Save &amp; load: the <em>why</em>') == 'save-load-the-why'
    assert build.slugify("The package's LSTM") == 'the-packages-lstm'


def test_math_to_mathml(build):
    out = build.tex_to_mathml(r'\text{proj\_size} > 0', 'inline')
    assert '<math' in out and 'proj_size' in out and '\\_' not in out
    assert '<mtable' in build.tex_to_mathml(r'\begin{aligned} a &= b \\ c &= d \end{aligned}', 'block')
    with pytest.raises(ValueError, match='does not know'): build.tex_to_mathml(r'\notacommand{x}', 'inline')


def test_machine_paths_leave_warnings(build):
    w = ('/work/venv/lib/python3.11/site-packages/pandas/core/x.py:17: RuntimeWarning: overflow\n'
         '/tmp/ipykernel_15964/3316392508.py:2: FutureWarning: y\n/home/me/proj/run.py:3: UserWarning: z')
    out = build.strip_machine_paths(w)
    assert out.splitlines() == ['pandas/core/x.py:17: RuntimeWarning: overflow', '<cell>:2: FutureWarning: y',
                                'run.py:3: UserWarning: z']


def test_show_doc_signature_mending(build):
    src = 'https://github.com/o/r/blob/main/lstm_forecast/train.py#L1'
    md = f'---\n\n[source]({src})\n\n### Batches\n\n```python\ndef Batches(\n    *args, **kwargs\n):\n```\n'
    assert 'class Batches(Protocol):' in build.fix_show_doc(md)
    md = (f'---\n\n[source]({src})\n\n### TrainConfig\n\n```python\ndef TrainConfig(\n    max_steps:int=500,'
          ' x:NoneType=None\n)->None:\n```\n')
    out = build.fix_show_doc(md)
    assert 'class TrainConfig(' in out and 'x=None' in out and 'NoneType' not in out and '->None' not in out
