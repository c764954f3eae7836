"""Compare a notebook's stored outputs with the outputs of a fresh run, on the lines that are deterministic.

Used by `tests/test_notebooks.py` (which executes every notebook once) and unit-tested in
`tests/test_notebook_freshness.py`. Text outputs (stdout and the plain-text form of results) are compared after
normalising what legitimately changes between runs: timings (`1.6 s`, `0.5s`, `120 ms`), memory addresses
(` at 0x7f...`, which nbdev_clean removes), figure reprs (`<Figure size ...>`), progress bars and HTML-only
display objects, temporary folders (`/tmp/tmpk3j2...`), datetime resolutions (`datetime64[ns]` under pandas 2,
`[us]` under pandas 3). stderr is ignored (warnings carry machine paths). Numbers are compared with a tolerance (a float
printed to 3 decimals may move by a few units in its last digit on another CPU); every other character must match. Cells that time themselves
(`perf_counter`, `time.time`, `%time`) have their numbers ignored, not their text."""
import math, re

_TIMING = re.compile(r'\d+(?:\.\d+)?(?:e[-+]?\d+)?\s*(?:s|ms|µs|us|sec|seconds|min|minutes)\b')
_ADDR = re.compile(r'(?: at )?0x[0-9a-fA-F]+')  # nbdev_clean drops ' at 0x...' from reprs
_TMP = re.compile(r'(?:[A-Za-z]:)?[\\/][^\s\'"]*?[\\/]tmp[\w-]{6,}')  # tempfile folders: a new name every run
_DT_UNIT = re.compile(r'(datetime64\[|datetime\[)(?:ns|us|μs|ms|s)(?=[,\]])')  # resolution: pandas 3 and polars read us
_PLACEHOLDERS = ((_TIMING, '<time>'), (_ADDR, ''), (_TMP, '<tmpdir>'), (_DT_UNIT, r'\1<unit>'))  # in this order
_NUM = re.compile(r'[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?')
_SKIP_LINE = re.compile(r'^\s*(?:<Figure size [^>]*>|<IPython\.core\.display\.\w+ object>)\s*$'  # figures, HTML
                        r'|[█━▏▎▍▌▋▊▉]')  # progress bars
_TIMED_CELL = re.compile(r'perf_counter|time\.time\(|%%?time\b|%%?timeit\b')


def _text(outputs) -> list[str]:
    "The comparable text lines of a cell's outputs: stdout and text/plain of results and displays"
    lines = []
    for o in outputs or []:
        kind = o.get('output_type')
        if kind == 'stream':
            if o.get('name') != 'stdout': continue
            txt = o.get('text', '')
        elif kind in ('execute_result', 'display_data'):
            txt = (o.get('data') or {}).get('text/plain', '')
        else: continue  # errors fail the run itself; update_display_data only redraws
        txt = ''.join(txt) if isinstance(txt, list) else txt
        lines += [l.rstrip() for l in txt.splitlines()]
    return [l for l in lines if l.strip() and not _SKIP_LINE.search(l)]


def normalise(outputs) -> list[str]:
    "Text lines of `outputs` with timings, addresses, temporary folders and datetime resolutions made placeholders"
    lines = _text(outputs)
    for pattern, placeholder in _PLACEHOLDERS: lines = [pattern.sub(placeholder, l) for l in lines]
    return lines


def _close(a: str, b: str, rtol: float) -> bool:
    "Two printed numbers agree within `rtol`, or within 3 units of the last digit printed"
    fa, fb = float(a), float(b)
    if math.isnan(fa) or math.isnan(fb): return math.isnan(fa) and math.isnan(fb)
    dec = max(len(a.split('.')[1].split('e')[0].split('E')[0]) if '.' in a else 0, 0)
    return abs(fa - fb) <= max(rtol * max(abs(fa), abs(fb)), 3 * 10 ** -dec)


def compare_lines(stored: list[str], fresh: list[str], rtol: float = 0.02, numbers: bool = True) -> str | None:
    "None if the two normalised outputs agree; otherwise the first difference, as a message"
    if len(stored) != len(fresh):
        return (f'{len(stored)} stored output lines vs {len(fresh)} fresh ones:\n'
                f'  stored: {stored[:6]}\n  fresh:  {fresh[:6]}')
    for s, f in zip(stored, fresh):
        if _NUM.sub('#', s) != _NUM.sub('#', f): return f'text differs:\n  stored: {s!r}\n  fresh:  {f!r}'
        if numbers:
            for a, b in zip(_NUM.findall(s), _NUM.findall(f)):
                if not _close(a, b, rtol): return f'number {a} stored vs {b} fresh:\n  stored: {s!r}\n  fresh:  {f!r}'
    return None


def stale_cells(stored_nb, fresh_nb, rtol: float = 0.02) -> list[str]:
    "Messages for every executed cell of `fresh_nb` whose outputs differ from the stored ones (cells matched by id)"
    stored = {c.get('id'): c for c in stored_nb['cells']}
    problems = []
    for c in fresh_nb['cells']:
        s = stored.get(c.get('id'))
        if c.get('cell_type') != 'code' or s is None: continue
        src = c['source'] if isinstance(c['source'], str) else ''.join(c['source'])
        msg = compare_lines(normalise(s.get('outputs')), normalise(c.get('outputs')), rtol,
                            numbers=not _TIMED_CELL.search(src))
        first = src.strip().splitlines()[0][:60] if src.strip() else ''
        if msg: problems.append(f'cell {c.get("id")} ({first!r}): {msg}')
    return problems
