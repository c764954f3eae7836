"The `lstm_forecast` command: the default job, options, exit codes, outputs, no half-written files."
import os, re, shutil, subprocess, sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from helpers import run_timed

from lstm_forecast.data import load_air_passengers

ROOT = Path(__file__).resolve().parents[1]
FAST = ['--max-steps', '20']


def cli(*args, cwd):
    exe = shutil.which('lstm_forecast')
    cmd = [exe] if exe else [sys.executable, '-c', 'from lstm_forecast.cli import cli; cli()']
    env = dict(os.environ, OMP_NUM_THREADS='1', MPLBACKEND='Agg')
    return run_timed(cmd + list(args), f"lstm_forecast {' '.join(map(str, args))}", timeout=900, cwd=cwd, env=env)


def test_help_lists_every_option(tmp_path):
    r = cli('--help', cwd=tmp_path)
    assert r.returncode == 0
    for opt in ['--csv', '--id-col', '--time-col', '--target-col', '--h', '--input-size', '--freq', '--level',
                '--max-steps', '--seed', '--out', '--plot', '--save-model', '--load-model', '--quiet']:
        assert opt in r.stdout, opt


def test_default_job_writes_forecast_and_plot(tmp_path):
    r = cli(*FAST, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert 'SeasonalNaive' in r.stdout and 'MAPE' in r.stdout and 'MASE' in r.stdout
    f = pd.read_csv(tmp_path / 'forecast.csv')
    assert len(f) == 12
    assert list(f.columns) == ['unique_id', 'ds', 'LSTM', 'LSTM-median', 'LSTM-lo-90', 'LSTM-lo-80', 'LSTM-hi-80', 'LSTM-hi-90']
    assert f.ds.iloc[0].startswith('1961-01-01')
    png = (tmp_path / 'forecast.png').read_bytes()
    assert png[:8] == b'\x89PNG\r\n\x1a\n' and len(png) > 5000
    assert 'forecast.csv' in r.stdout and 'forecast.png' in r.stdout
    # redirected, stdout holds the table and the final line only; no progress bars anywhere (stderr is no terminal)
    lines = r.stdout.splitlines()
    assert lines[0].startswith('Holdout:') and lines[-1].startswith('wrote forecast.csv') and len(lines) == 5, r.stdout
    assert lines[2].split()[0] == 'LSTM' and lines[3].split()[0] == 'SeasonalNaive'
    assert '\r' not in r.stdout + r.stderr and '%' not in r.stderr.replace('%)', '')
    # 7 significant digits at most, not float32 noise such as 444.0220947265625
    numbers = re.findall(r'[-\d.]+(?:e[-+]\d+)?', (tmp_path / 'forecast.csv').read_text().split('\n', 1)[1].replace('1961-', ''))
    assert max(len(n.lstrip('-').replace('.', '').lstrip('0')) for n in numbers if '.' in n) <= 7


def test_csv_options_quiet_and_model_round_trip(tmp_path):
    ap = load_air_passengers()
    wide = pd.DataFrame({'when': ap.ds, 'a': ap.y, 'b': ap.y * 1.5})
    long = wide.melt(id_vars='when', var_name='series', value_name='value')
    long.to_csv(tmp_path / 'long.csv', index=False)
    r = cli('--csv', 'long.csv', '--id-col', 'series', '--time-col', 'when', '--target-col', 'value', '--h', '6',
            '--level', '50,95', '--out', 'out/f.csv', '--plot', 'out/f.png', '--save-model', 'model', '--quiet', *FAST, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout == '' and r.stderr == ''
    f = pd.read_csv(tmp_path / 'out/f.csv')
    assert len(f) == 12 and {'LSTM-lo-95', 'LSTM-hi-50'} <= set(f.columns)
    r2 = cli('--csv', 'long.csv', '--id-col', 'series', '--time-col', 'when', '--target-col', 'value', '--h', '6',
             '--level', '50,95', '--load-model', 'model', '--out', 'g.csv', '--plot', 'g.png', cwd=tmp_path)
    assert r2.returncode == 0, r2.stderr
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / 'g.csv'), f)


def test_tutorial_csv_two_columns(tmp_path):
    shutil.copy(ROOT / 'lstm_forecast' / 'datasets' / 'air_passengers.csv', tmp_path / 'airline-passengers.csv')
    r = cli('--csv', 'airline-passengers.csv', '--quiet', *FAST, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert len(pd.read_csv(tmp_path / 'forecast.csv')) == 12


@pytest.mark.parametrize('setup, args, msg', [
    (None, ['--csv', 'missing.csv'], 'no such file'),
    ('garbage', ['--csv', 'bad.csv'], ''),
    ('text', ['--csv', 'bad.csv'], 'no numeric column'),
    ('short', ['--csv', 'bad.csv'], 'too short'),
    (None, ['--level', '120'], 'between 0 and 100'),
    (None, ['--h', '0'], 'positive'),
    (None, ['--load-model', 'nowhere'], 'not a saved LSTMForecast'),
])
def test_bad_input_exits_2_with_one_line(tmp_path, setup, args, msg):
    p = tmp_path / 'bad.csv'
    if setup == 'garbage': p.write_bytes(b'\x00\x01\x02 not,a\n"csv')
    if setup == 'text': pd.DataFrame({'Month': ['1949-01', '1949-02', '1949-03'] * 1, 'Passengers': ['a', 'b', 'c']}).to_csv(p, index=False)
    if setup == 'short': pd.DataFrame({'Month': pd.date_range('2000-01-01', periods=10, freq='MS').strftime('%Y-%m'),
                                       'Passengers': range(10)}).to_csv(p, index=False)
    r = cli(*args, *FAST, cwd=tmp_path)
    assert r.returncode == 2, (r.returncode, r.stdout, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith('lstm_forecast: error:'), r.stderr
    assert msg in lines[0]
    assert 'Traceback' not in r.stderr
    assert not (tmp_path / 'forecast.csv').exists() and not (tmp_path / 'forecast.png').exists()
    assert not [f for f in os.listdir(tmp_path) if f.endswith('.tmp.csv') or '.tmp' in f]


# ---------------------------------------------------------------- issue 15: misparsed CSVs, output paths, Ctrl-C
def _monthly(n=40):
    return pd.DataFrame({'Month': pd.date_range('2000-01-01', periods=n, freq='MS'), 'Passengers': 100. + np.arange(n) % 7 * 3})


def _setup(tmp, what):
    p = tmp / 'data.csv'
    _monthly().to_csv(p, index=False)
    if what == 'extra fields': p.write_text('Month,Passengers\n' + ''.join(f'20{m // 12:02d}-{m % 12 + 1:02d}-01,{100 + m},1\n' for m in range(40)))
    if what == 'ambiguous dates': _monthly(12).assign(Month=lambda d: d.Month.dt.strftime('%d/%m/%Y')).to_csv(p, index=False)
    if what == 'dir': (tmp / 'folder').mkdir()
    if what == 'symlink': (tmp / 'target.csv').write_text('keep'); (tmp / 'link.csv').symlink_to(tmp / 'target.csv')
    if what == 'fifo': os.mkfifo(tmp / 'pipe.csv')
    if what == 'csv in folder': (tmp / 'folder').mkdir(); _monthly().to_csv(tmp / 'folder' / 'data.csv', index=False)


OUTPUT_CASES = {  # name -> (setup, args, message)
    'csv is a directory': ('dir', ['--csv', 'folder'], '--csv folder is a directory, not a CSV file'),
    'rows with extra fields': ('extra fields', ['--csv', 'data.csv'], 'its rows have more fields than its header row'),
    'ambiguous day-first dates': ('ambiguous dates', ['--csv', 'data.csv'], "the dates in 'Month' are ambiguous"),
    'tiny level': (None, ['--csv', 'data.csv', '--level', '1e-9'], 'level=1e-09 is too close to 0 to form interval columns'),
    'level with more digits than columns keep': (None, ['--csv', 'data.csv', '--level', '80,12.3456789'], 'pass level=12.3457'),
    'out and plot the same': (None, ['--csv', 'data.csv', '--out', 'x', '--plot', 'x'], '--out and --plot are the same file (x)'),
    'out is the input': (None, ['--csv', 'data.csv', '--out', './data.csv'], '--out ./data.csv is the input CSV'),
    'plot is the input': (None, ['--csv', 'data.csv', '--plot', 'data.csv'], '--plot data.csv is the input CSV'),
    'out is a symlink': ('symlink', ['--csv', 'data.csv', '--out', 'link.csv'], '--out link.csv exists and is a symbolic link'),
    'out is a FIFO': ('fifo', ['--csv', 'data.csv', '--out', 'pipe.csv'], '--out pipe.csv exists and is a named pipe (FIFO)'),
    'plot is a device': (None, ['--csv', 'data.csv', '--plot', os.devnull], f'--plot {os.devnull} exists and is a device'),
    'out is a directory': ('dir', ['--csv', 'data.csv', '--out', 'folder'], '--out folder exists and is a directory'),
    'save-model into the working folder': (None, ['--csv', 'data.csv', '--save-model', '.'], '--save-model . holds the working folder'),
    'save-model folder holds the input': ('csv in folder', ['--csv', 'folder/data.csv', '--save-model', 'folder'],
                                          '--save-model folder holds the input CSV (folder/data.csv)'),
    'save-model is a file': (None, ['--csv', 'data.csv', '--save-model', 'data.csv'], '--save-model data.csv exists and is a file'),
}


@pytest.mark.parametrize('case', list(OUTPUT_CASES))
def test_bad_paths_and_misparsed_csvs_exit_2_before_writing(tmp_path, case):
    setup, args, msg = OUTPUT_CASES[case]
    _setup(tmp_path, setup)
    before = {p: (p.is_symlink(), p.read_bytes() if p.is_file() and not p.is_fifo() else None) for p in tmp_path.rglob('*')}
    r = cli(*args, *FAST, cwd=tmp_path)
    assert r.returncode == 2, (r.returncode, r.stdout, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith('lstm_forecast: error:') and 'Traceback' not in r.stderr, r.stderr
    assert msg in lines[0], lines[0]
    assert 'Holdout' not in r.stdout, r.stdout  # the output checks come before any reading or training
    after = {p: (p.is_symlink(), p.read_bytes() if p.is_file() and not p.is_fifo() else None) for p in tmp_path.rglob('*')}
    assert after == before  # nothing written, replaced or left half-written
    assert (tmp_path / 'pipe.csv').is_fifo() or setup != 'fifo'


@pytest.mark.parametrize('case', ['semicolons and decimal commas', 'day-first dates', 'to_csv index column'])
def test_csvs_pandas_would_misread_are_read_right_and_said(tmp_path, case):
    df = _monthly()
    if case == 'semicolons and decimal commas':
        df.assign(Passengers=df.Passengers + 0.5).to_csv(tmp_path / 'data.csv', sep=';', decimal=',', index=False)
        note = "read CSV 'data.csv' (separated by semicolons, decimal commas)"
    if case == 'day-first dates':
        df.assign(Month=df.Month.dt.strftime('%d/%m/%Y')).to_csv(tmp_path / 'data.csv', index=False)
        note = "dates in 'Month' such as '01/02/2000' read day-first"
    if case == 'to_csv index column':
        df.to_csv(tmp_path / 'data.csv')
        note = "dropped ['Unnamed: 0']"
    r = cli('--csv', 'data.csv', '--h', '3', '--max-steps', '5', cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert note in r.stderr, r.stderr  # notes on stderr: stdout holds the table and the final line only
    f = pd.read_csv(tmp_path / 'forecast.csv')
    assert f.unique_id.unique().tolist() == ['Passengers']  # one series, not 'Unnamed: 0' as a second one
    assert f.ds.tolist()[:2] == ['2003-05-01', '2003-06-01']  # monthly after 40 months, not daily
    assert (f.LSTM > 50).all()  # the values read were ~100, not the digits after a decimal comma


def test_interrupt_prints_one_line_and_exits_130(tmp_path):
    import signal, time
    _monthly(200).to_csv(tmp_path / 'data.csv', index=False)
    exe = shutil.which('lstm_forecast')
    cmd = [exe] if exe else [sys.executable, '-c', 'from lstm_forecast.cli import cli; cli()']
    env = dict(os.environ, OMP_NUM_THREADS='1', MPLBACKEND='Agg', PYTHONUNBUFFERED='1')
    p = subprocess.Popen(cmd + ['--csv', 'data.csv', '--max-steps', '100000'], cwd=tmp_path, env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert 'read_series:' in p.stderr.readline()  # a note (stderr) after the imports, before training: Ctrl-C lands in run()
        time.sleep(1)
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=300)
    except subprocess.TimeoutExpired:
        p.kill(); pytest.fail('the command did not stop within 300s of SIGINT', pytrace=False)
    finally:
        if p.poll() is None: p.kill()
    assert p.returncode == 130, (p.returncode, err)
    assert err.strip() == 'lstm_forecast: interrupted', err
    assert not (tmp_path / 'forecast.csv').exists()


def test_keyboard_interrupt_in_main(monkeypatch, capsys):
    import lstm_forecast.cli as C
    def stop(*a, **k): raise KeyboardInterrupt
    monkeypatch.setattr(C, 'run', stop)
    try: C.main(quiet=True); code = 0
    except SystemExit as e: code = e.code
    except KeyboardInterrupt: pytest.fail('KeyboardInterrupt escaped main (a traceback for the user)', pytrace=False)
    assert code == 130 and capsys.readouterr().err == 'lstm_forecast: interrupted\n'


def test_version_and_python_m(tmp_path):
    from lstm_forecast import __version__
    r = cli('--version', cwd=tmp_path)
    assert r.returncode == 0 and r.stdout.strip() == f'lstm_forecast {__version__}'
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get('PYTHONPATH', ''))
    r = subprocess.run([sys.executable, '-m', 'lstm_forecast', '--version'], capture_output=True, text=True, cwd=tmp_path, env=env)
    assert r.returncode == 0 and r.stdout.strip() == f'lstm_forecast {__version__}', r.stderr
    r = subprocess.run([sys.executable, '-m', 'lstm_forecast', '--h', '0'], capture_output=True, text=True, cwd=tmp_path, env=env)
    assert r.returncode == 2 and 'lstm_forecast: error:' in r.stderr


def test_gaps_are_filled_and_said(tmp_path):
    ap = load_air_passengers()
    ap.drop(index=[20, 21, 22, 90]).to_csv(tmp_path / 'gappy.csv', index=False)
    r = cli('--csv', 'gappy.csv', *FAST, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert 'filled 4 missing timestamps with empty rows' in r.stderr
    f = pd.read_csv(tmp_path / 'forecast.csv')
    assert len(f) == 12 and f.drop(columns=['unique_id', 'ds']).notna().all().all()
