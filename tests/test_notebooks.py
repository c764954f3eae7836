"""Execute every notebook under `nbs/` the way `nbdev_test` does (one test per notebook; cells flagged with a
`tst_flags` directive, `notest slow cuda`, skipped) and check that the outputs stored in the notebook are fresh:
every executed cell's text output must match what the run prints now (timings, addresses, figures and progress bars
aside; numbers within a small tolerance, see `nb_freshness.py`). A stale notebook fails with the cell and the first
difference; the fix is to re-execute it and commit it with its outputs. Each notebook runs in its own Jupyter kernel,
so notebooks cannot affect one another or the test session. Set `LSTM_FORECAST_TEST_FLAGS="slow"` to run slow cells
too, and `LSTM_FORECAST_FRESHNESS=0` to check only that notebooks run."""
import copy, os, re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError

from nb_freshness import stale_cells

ROOT = Path(__file__).resolve().parents[1]
NBS = ROOT / 'nbs'
_re_directive = re.compile(r'^\s*#\|\s*(.*?)\s*$')


def notebooks():
    return sorted(p for p in NBS.rglob('*.ipynb')
                  if not any(part.startswith(('.', '_')) for part in p.relative_to(NBS).parts))


def _skip_flags():
    "nbdev's tst_flags from settings.ini, minus the ones forced on by LSTM_FORECAST_TEST_FLAGS"
    ini = (ROOT / 'settings.ini').read_text()
    flags = set(re.search(r'^tst_flags\s*=\s*(.*)$', ini, re.M).group(1).split())
    return flags - set(os.environ.get('LSTM_FORECAST_TEST_FLAGS', '').split())


def _skipped(cell, flags) -> bool:
    "True for cells nbdev_test would not run: markdown, flagged cells, `eval: false`, `nbdev_export()` calls"
    if cell.cell_type != 'code': return True
    if 'nbdev_export' + '(' in cell.source: return True
    for line in cell.source.splitlines():
        m = _re_directive.match(line)
        if not m: break
        words = m.group(1).replace(':', ' ').split()
        if flags & set(words) or (words[:2] == ['eval', 'false']): return True
    return False


@pytest.mark.parametrize('nb', notebooks(), ids=lambda p: p.relative_to(NBS).as_posix())
def test_notebook(nb, monkeypatch):
    for k, v in dict(OMP_NUM_THREADS='1', PYTHONHASHSEED='0', IN_TEST='1', PYTHONPATH=str(ROOT)).items():
        monkeypatch.setenv(k, v)
    monkeypatch.delenv('MPLBACKEND', raising=False)  # the kernel's inline backend, as when the outputs were stored
    stored = nbformat.read(nb, as_version=4)
    fresh = copy.deepcopy(stored)
    flags = _skip_flags()
    fresh.cells = [c for c in fresh.cells if not _skipped(c, flags)]
    client = NotebookClient(fresh, timeout=1800, kernel_name='python3',
                            resources={'metadata': {'path': str(nb.parent)}})
    try: client.execute()
    except (CellExecutionError, CellTimeoutError) as e:
        pytest.fail(f'{nb.name} failed:\n{str(e)[-8000:]}', pytrace=False)
    if os.environ.get('LSTM_FORECAST_FRESHNESS', '1') == '0': return
    stale = stale_cells(stored, fresh)
    assert not stale, (f'{nb.relative_to(NBS)} has stale outputs (re-execute it and commit it with its outputs):\n'
                       + '\n'.join(stale[:5]))


def test_every_notebook_is_collected():
    names = {p.name for p in notebooks()}
    assert 'index.ipynb' in names and '00_data.ipynb' in names, names
