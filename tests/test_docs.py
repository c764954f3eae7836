"The docs machinery: `_quarto.yml` has one source, and nbdev's processing uses it."
import filecmp, os, subprocess, sys
from pathlib import Path

from helpers import run_timed

ROOT = Path(__file__).resolve().parents[1]


def test_nbs_quarto_yml_is_a_relative_link_to_the_top_level_file():
    link = ROOT / 'nbs' / '_quarto.yml'
    assert link.is_symlink(), 'nbs/_quarto.yml must be a symlink to ../_quarto.yml'
    assert os.readlink(link) == '../_quarto.yml'
    assert link.resolve() == (ROOT / '_quarto.yml').resolve()


def test_processed_docs_use_the_top_level_quarto_yml(tmp_path):
    # nbdev's proc_nbs copies nbs/_quarto.yml into its cache, which Quarto then renders from: it must be
    # the content of the top-level file. Run it on a copy of the repo with a marker added to _quarto.yml.
    import shutil
    work = tmp_path / 'repo'
    shutil.copytree(ROOT, work, symlinks=True,
                    ignore=shutil.ignore_patterns('.git', '_proc', '_docs', '*.egg-info', '__pycache__', '.hypothesis'))
    marker = '# marker-from-top-level-quarto-yml\n'
    (work / '_quarto.yml').write_text((work / '_quarto.yml').read_text() + marker)
    code = ("from nbdev.serve import proc_nbs; from nbdev.config import get_config; "
            "print(proc_nbs(get_config().nbs_path, n_workers=0, file_glob='index.ipynb'))")
    res = run_timed([sys.executable, '-c', code], "nbdev's proc_nbs on a copy of the repo", timeout=1200, cwd=work)
    assert res.returncode == 0, res.stderr
    proc = work / '_proc' / '_quarto.yml'
    assert proc.exists() and marker in proc.read_text()
    assert filecmp.cmp(proc, work / '_quarto.yml', shallow=False)
