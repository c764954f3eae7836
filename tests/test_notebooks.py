"""Execute every notebook under `nbs/` the way `nbdev_test` does: one test per notebook, cells flagged with a
`tst_flags` directive (`notest slow cuda`) skipped. Each notebook runs in its own process, so notebooks cannot
affect one another or the rest of the test session. Set `LSTM_FORECAST_TEST_FLAGS="slow"` to run slow cells too."""
import os, subprocess, sys
from pathlib import Path

import pytest

from helpers import run_timed

ROOT = Path(__file__).resolve().parents[1]
NBS = ROOT / 'nbs'


def notebooks():
    return sorted(p for p in NBS.rglob('*.ipynb')
                  if not any(part.startswith(('.', '_')) for part in p.relative_to(NBS).parts))


_RUNNER = """
import sys
from pathlib import Path
from nbdev.config import get_config
from nbdev.test import test_nb
cfg = get_config()
force = sys.argv[2].split()
ok, secs = test_nb(Path(sys.argv[1]), skip_flags=cfg.tst_flags.split(), force_flags=force, basepath=cfg.config_path)
print(f'{sys.argv[1]}: {"passed" if ok else "FAILED"} in {secs:.1f}s')
sys.exit(0 if ok else 1)
"""


@pytest.mark.parametrize('nb', notebooks(), ids=lambda p: p.relative_to(NBS).as_posix())
def test_notebook(nb):
    env = dict(os.environ, MPLBACKEND='Agg', OMP_NUM_THREADS='1', PYTHONHASHSEED='0')
    res = run_timed([sys.executable, '-c', _RUNNER, str(nb), os.environ.get('LSTM_FORECAST_TEST_FLAGS', '')],
                    f'notebook {nb.relative_to(NBS).as_posix()}', timeout=1800, cwd=NBS, env=env)
    assert res.returncode == 0, f'{nb.name} failed:\n{res.stdout}\n{res.stderr[-8000:]}'


def test_every_notebook_is_collected():
    names = {p.name for p in notebooks()}
    assert 'index.ipynb' in names and '00_data.ipynb' in names, names
