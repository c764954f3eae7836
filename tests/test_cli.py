"The `lstm_forecast` command: the default job, options, exit codes, outputs, no half-written files."
import os, shutil, subprocess, sys
from pathlib import Path

import pandas as pd
import pytest

from lstm_forecast.data import load_air_passengers

ROOT = Path(__file__).resolve().parents[1]
FAST = ['--max-steps', '20']


def cli(*args, cwd):
    exe = shutil.which('lstm_forecast')
    cmd = [exe] if exe else [sys.executable, '-c', 'from lstm_forecast.cli import cli; cli()']
    env = dict(os.environ, OMP_NUM_THREADS='1', MPLBACKEND='Agg')
    return subprocess.run(cmd + list(args), cwd=cwd, capture_output=True, text=True, timeout=300, env=env)


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
