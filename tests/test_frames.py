"Any data frame in (polars via narwhals), the caller's column names out; our metrics against utilsforecast.losses."
import numpy as np
import pandas as pd
import pytest

from lstm_forecast.data import load_air_passengers
from lstm_forecast.forecaster import LSTMForecast
from lstm_forecast.baselines import Naive, SeasonalNaive
from lstm_forecast import metrics as M

pl = pytest.importorskip('polars')
NAMES = dict(id_col='route', time_col='month', target_col='passengers')
REN = {'unique_id': 'route', 'ds': 'month', 'y': 'passengers'}


def two_series():
    ap = load_air_passengers()
    return pd.concat([ap, ap.assign(unique_id='B', y=ap.y * 2)], ignore_index=True)


def test_forecaster_polars_custom_names_same_numbers():
    df = two_series()
    kw = dict(h=6, max_steps=10, encoder_hidden_size=8, decoder_hidden_size=8)
    ref = LSTMForecast(**kw).fit(df)
    m = LSTMForecast(**kw).fit(pl.from_pandas(df.rename(columns=REN)), **NAMES)
    f, f_ref = m.predict(), ref.predict()
    assert isinstance(f, pl.DataFrame) and f.columns == ['route', 'month', 'LSTM']
    np.testing.assert_allclose(f['LSTM'].to_numpy(), f_ref['LSTM'].to_numpy())
    # a pandas frame with the same custom names answers in pandas, with those names
    f2 = m.predict(df=df.rename(columns=REN))
    assert isinstance(f2, pd.DataFrame) and f2.columns.tolist() == ['route', 'month', 'LSTM']
    cv = LSTMForecast(**kw).cross_validation(pl.from_pandas(df.rename(columns=REN)), n_windows=2, **NAMES)
    cv_ref = LSTMForecast(**kw).cross_validation(df, n_windows=2)
    assert isinstance(cv, pl.DataFrame) and cv.columns == ['route', 'month', 'cutoff', 'passengers', 'LSTM']
    np.testing.assert_allclose(cv['LSTM'].to_numpy(), cv_ref['LSTM'].to_numpy())


def test_forecaster_names_clash_and_non_frames_are_refused():
    df = two_series().rename(columns={'y': 'passengers'}).assign(y=1.0)
    with pytest.raises(ValueError, match="has a column 'y' besides the column you named as it"):
        LSTMForecast(h=6, max_steps=1).fit(df, target_col='passengers')
    with pytest.raises(TypeError, match='expected a long DataFrame'):  # the forecaster's own message
        LSTMForecast(h=6, max_steps=1).fit([1, 2, 3])


def test_baselines_polars_custom_names():
    df = two_series()
    ref = SeasonalNaive(h=12, season_length=12).fit(df).predict(level=[80])
    f = SeasonalNaive(h=12, season_length=12).fit(pl.from_pandas(df.rename(columns=REN)), **NAMES).predict(level=[80])
    assert isinstance(f, pl.DataFrame) and f.columns == ['route', 'month', 'SeasonalNaive', 'SeasonalNaive-lo-80', 'SeasonalNaive-hi-80']
    np.testing.assert_allclose(f['SeasonalNaive-hi-80'].to_numpy(), ref['SeasonalNaive-hi-80'].to_numpy())


def test_evaluate_polars():
    df = two_series()
    train, test = df.groupby('unique_id').head(132), df.groupby('unique_id').tail(12)
    fc = Naive(h=12).fit(train).predict(level=[80]).merge(test)
    ev, ev_pl = (M.evaluate(d, train_df=t, level=[80]) for d, t in ((fc, train), (pl.from_pandas(fc), pl.from_pandas(train))))
    assert isinstance(ev_pl, pl.DataFrame)
    pd.testing.assert_frame_equal(ev_pl.to_pandas(), ev, check_dtype=False)


def test_metrics_match_utilsforecast_losses():
    ufl = pytest.importorskip('utilsforecast.losses')
    rng = np.random.default_rng(0)
    n = 30
    fc = pd.DataFrame({'unique_id': np.repeat(['a', 'b'], n), 'ds': np.tile(np.arange(n), 2),
                       'y': rng.uniform(1, 10, 2 * n), 'm': rng.uniform(1, 10, 2 * n)})
    fc['m-lo-80'], fc['m-hi-80'] = fc.m - rng.uniform(0, 3, 2 * n), fc.m + rng.uniform(0, 3, 2 * n)
    train = pd.DataFrame({'unique_id': np.repeat(['a', 'b'], 50), 'ds': np.tile(np.arange(-50, 0), 2),
                          'y': rng.uniform(1, 10, 100)})
    ours = {'mae': M.mae(fc, models=['m']), 'mse': M.mse(fc, models=['m']), 'rmse': M.rmse(fc, models=['m']),
            'mape': M.mape(fc, models=['m']), 'smape': M.smape(fc, models=['m']),
            'mase': M.mase(fc, models=['m'], train_df=train, season_length=3),
            'coverage': M.coverage(fc, level=80, models=['m'])}
    theirs = {'mae': ufl.mae(fc, ['m']), 'mse': ufl.mse(fc, ['m']), 'rmse': ufl.rmse(fc, ['m']),
              'mape': ufl.mape(fc, ['m']).assign(m=lambda d: 100 * d.m),     # utilsforecast: a fraction; ours: percent
              'smape': ufl.smape(fc, ['m']).assign(m=lambda d: 200 * d.m),   # utilsforecast: 0-1; ours: 0-200
              'mase': ufl.mase(fc, ['m'], seasonality=3, train_df=train),
              'coverage': ufl.coverage(fc, ['m'], level=80)}
    for k in ours:
        t = theirs[k]
        col = [c for c in t.columns if c != 'unique_id'][0]
        np.testing.assert_allclose(ours[k].sort_values('unique_id')['m'].to_numpy(),
                                   t.sort_values('unique_id')[col].to_numpy(), rtol=1e-10, err_msg=k)


@pytest.mark.parametrize('name', ['mae', 'mse', 'rmse', 'mape', 'smape', 'mase', 'rmsse', 'coverage', 'winkler_score',
                                  'quantile_loss'])
def test_each_metric_takes_polars(name):
    df = two_series()
    train, test = df.groupby('unique_id').head(132), df.groupby('unique_id').tail(12)
    fc = Naive(h=12).fit(train).predict(level=[80]).merge(test)
    metric = getattr(M, name)
    kw = ({'train_df': train, 'season_length': 12} if name in ('mase', 'rmsse') else
          {'level': 80} if name in ('coverage', 'winkler_score') else {'q': 0.1, 'models': ['Naive']} if name == 'quantile_loss'
          else {})
    kw_pl = {k: pl.from_pandas(v) if isinstance(v, pd.DataFrame) else v for k, v in kw.items()}
    got, want = metric(pl.from_pandas(fc), **kw_pl), metric(fc, **kw)
    assert isinstance(got, pl.DataFrame)
    pd.testing.assert_frame_equal(got.to_pandas(), want, check_dtype=False)
    mean = metric(pl.from_pandas(fc), per_series=False, **kw_pl)  # the mean over series: a pandas Series by model
    pd.testing.assert_series_equal(mean, metric(fc, per_series=False, **kw))
