"""Test helpers: subprocesses with generous time limits that, when exceeded, fail naming the slow step."""
import subprocess

import pytest


def run_timed(cmd, what: str, timeout: float, **kw) -> subprocess.CompletedProcess:
    "`subprocess.run(cmd, capture_output=True, text=True)`; a timeout fails the test naming `what` and the limit"
    try: return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, **kw)
    except subprocess.TimeoutExpired as e:
        out = (e.stdout or b'')[-2000:] if isinstance(e.stdout, bytes) else (e.stdout or '')[-2000:]
        pytest.fail(f'{what} took longer than {timeout}s (the machine is very slow or it hangs); last output:\n{out}', pytrace=False)
