"""What a user gets from the wheel, in the runtime venv (no dev tools): fit, predict with intervals, cross-validate,
save, load, and the `lstm_forecast` command on a CSV of their own. Run from a temporary folder, outside the repo."""
import importlib.util, os, shutil, subprocess, sys, tempfile
from importlib import resources
from pathlib import Path

import fastcore, numpy as np, pandas as pd, torch

import lstm_forecast
from lstm_forecast.baselines import SeasonalNaive
from lstm_forecast.data import load_air_passengers, read_series
from lstm_forecast.forecaster import Forecasters, LSTMForecast
from lstm_forecast.losses import MQLoss

print('runtime: ' + ' | '.join([f'lstm_forecast {lstm_forecast.__version__}', f'torch {torch.__version__}',
                                 f'pandas {pd.__version__}', f'numpy {np.__version__}', f'fastcore {fastcore.__version__}']))
for dev in ('nbdev', 'jupyter', 'jupyterlab', 'pytest', 'execnb'):
    assert importlib.util.find_spec(dev) is None, f'{dev} should not be installed in the runtime venv'
assert 'site-packages' in lstm_forecast.__file__, lstm_forecast.__file__
assert resources.files('lstm_forecast').joinpath('datasets/air_passengers.csv').is_file(), 'package data missing from the wheel'
ap = load_air_passengers()
assert len(ap) == 144

def finite(f): return np.isfinite(f.select_dtypes('number').to_numpy(dtype='float64')).all()

work = Path(tempfile.mkdtemp(prefix='lstm_forecast_smoke_'))
try:
    # fit and predict with intervals
    kw = dict(h=6, input_size=12, max_steps=30, encoder_hidden_size=16, decoder_hidden_size=16)
    m = LSTMForecast(loss=MQLoss(level=[80, 95]), **kw).fit(ap)
    f = m.predict(level=[80])
    assert len(f) == 6 and {'LSTM', 'LSTM-lo-80', 'LSTM-hi-80'} <= set(f.columns) and finite(f), f
    assert (f['LSTM-lo-80'] <= f['LSTM-hi-80']).all()
    # cross-validate the model against a baseline
    cv = Forecasters([LSTMForecast(**kw), SeasonalNaive(6, season_length=12)]).cross_validation(ap, n_windows=2)
    assert len(cv) == 12 and {'cutoff', 'y', 'LSTM', 'SeasonalNaive'} <= set(cv.columns) and finite(cv), cv
    cv1 = LSTMForecast(**kw).cross_validation(ap, n_windows=2)
    assert len(cv1) == 12 and finite(cv1)
    # save and load: the same forecasts
    m.save(work / 'model')
    m2 = LSTMForecast.load(work / 'model')
    pd.testing.assert_frame_equal(m2.predict(level=[80]), f)
    # the command on a user's CSV (other column names, a second series)
    user = pd.DataFrame({'date': ap.ds.dt.strftime('%Y-%m-%d'), 'sales': ap.y})
    user = pd.concat([user.assign(store='a'), user.assign(store='b', sales=user.sales * 2)])
    user.to_csv(work / 'sales.csv', index=False)
    exe = shutil.which('lstm_forecast', path=os.path.dirname(sys.executable))
    assert exe, 'the lstm_forecast command is not installed next to this python'
    r = subprocess.run([exe, '--csv', 'sales.csv', '--h', '6', '--max-steps', '20', '--out', 'out/f.csv', '--plot', 'out/f.png'],
                       cwd=work, capture_output=True, text=True, timeout=1200, env=dict(os.environ, MPLBACKEND='Agg'))
    assert r.returncode == 0, r.stderr
    out = pd.read_csv(work / 'out' / 'f.csv')
    assert len(out) == 12 and sorted(out.unique_id.unique()) == ['a', 'b'] and finite(out), out
    assert {'LSTM-lo-90', 'LSTM-hi-80'} <= set(out.columns) and (work / 'out' / 'f.png').stat().st_size > 5000
    assert "id column 'store' -> unique_id" in r.stderr, r.stderr  # it says what it guessed (notes go to stderr)
    assert r.stdout.count('\n') <= 8 and 'wrote' in r.stdout, r.stdout  # stdout: the table and the final line only
    r = subprocess.run([exe, '--csv', 'sales.csv', '--out', 'sales.csv'], cwd=work, capture_output=True, text=True, timeout=600)
    assert r.returncode == 2 and r.stderr.count('\n') == 1 and 'is the input CSV' in r.stderr, r.stderr
    r = subprocess.run([sys.executable, '-m', 'lstm_forecast', '--version'], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0 and lstm_forecast.__version__ in r.stdout, (r.stdout, r.stderr)
    # missing values: NaN in y is forecast through, never returned
    holes = ap.assign(y=ap.y.where(np.arange(len(ap)) % 9 != 4))
    fh = LSTMForecast(**kw).fit(holes).predict()
    assert len(fh) == 6 and finite(fh), fh
    # neuralforecast code ported by changing the import
    from lstm_forecast.compat import LSTM, NeuralForecast, AirPassengersDF
    nf = NeuralForecast(models=[LSTM(h=6, input_size=12, max_steps=20)], freq='ME')
    nf.fit(df=AirPassengersDF)
    fc = nf.predict()
    assert len(fc) == 6 and 'LSTM' in fc.columns and finite(fc), fc
    print('smoke OK: fit, predict with intervals, cross_validation, save/load, the command on a user CSV, '
          'python -m, missing values, the neuralforecast port')
finally:
    shutil.rmtree(work, ignore_errors=True)
