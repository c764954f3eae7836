"""Fuzzing `fit`/`predict` with random panels: ragged lengths, gaps, NaN, duplicates, magnitudes from 1e-8 to 1e12,
negative values, integer and datetime `ds`. Every call either succeeds with finite forecasts of the right shape and
timestamps, or refuses the data with a `ValueError`/`TypeError` (the documented errors) without touching the frame."""
import copy, os, warnings

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, event, given, settings, strategies as st

from lstm_forecast.baselines import HistoricAverage, Naive, RandomWalkWithDrift, SeasonalNaive
from lstm_forecast.data import check_df, future_dates
from lstm_forecast.forecaster import LSTMForecast
from lstm_forecast.losses import MQLoss

N = int(os.environ.get('LSTM_FORECAST_FUZZ_EXAMPLES', '1'))  # multiplier for longer local runs
FUZZ = settings(max_examples=200 * N, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
TINY = dict(max_steps=3, encoder_hidden_size=8, decoder_hidden_size=8, decoder_layers=1, batch_size=16)
DOCUMENTED = (ValueError, TypeError)
FREQS = ['D', 'h', 'MS', 'W-SUN', 2, 1]  # offset aliases (datetime ds) and int steps (integer ds)


@st.composite
def panels(draw, max_series=4, max_len=40):
    "A long frame built from a clean panel, then damaged: gaps, NaN, inf, duplicates, shuffled rows"
    freq = draw(st.sampled_from(FREQS))
    n = draw(st.integers(1, max_series))
    lengths = draw(st.lists(st.integers(1, max_len), min_size=n, max_size=n))
    magnitude = draw(st.sampled_from([1e-8, 1e-3, 1., 1e3, 1e6, 1e12]))
    rng = np.random.default_rng(draw(st.integers(0, 2**31)))
    parts = []
    for i, T in enumerate(lengths):
        start = int(rng.integers(0, 50))
        if isinstance(freq, int): ds = start * freq + freq * np.arange(T)
        else: ds = pd.date_range('2000-01-01', periods=start + T, freq=freq)[start:]
        level = draw(st.sampled_from([0., 1., -1.])) * magnitude * 10
        y = level + magnitude * rng.standard_normal(T).cumsum() * draw(st.sampled_from([0., 1.]))  # 0: constant series
        parts.append(pd.DataFrame({'unique_id': f'u{i}', 'ds': ds, 'y': y}))
    df = pd.concat(parts, ignore_index=True)
    damage = draw(st.lists(st.sampled_from(['gap', 'nan', 'inf', 'dup', 'negate']), max_size=2, unique=True))
    if 'gap' in damage and len(df) > 2: df = df.drop(index=int(rng.integers(1, len(df) - 1)))
    if 'nan' in damage: df.loc[df.index[int(rng.integers(len(df)))], 'y'] = np.nan
    if 'inf' in damage: df.loc[df.index[int(rng.integers(len(df)))], 'y'] = np.inf
    if 'dup' in damage: df = pd.concat([df, df.iloc[[int(rng.integers(len(df)))]]])
    if 'negate' in damage: df['y'] = -df['y']
    if draw(st.booleans()): df = df.sample(frac=1, random_state=int(rng.integers(1000)))  # row order must not matter
    return df.reset_index(drop=True), freq


def expected_keys(df, freq, h):
    "The `unique_id, ds` rows a forecast must have: h steps after each series' last timestamp"
    last = df.groupby('unique_id', sort=True)['ds'].max()
    return pd.DataFrame({'unique_id': last.index.repeat(h), 'ds': future_dates(last.array, freq, h).ravel()})


def check_forecast(fc, df, freq, h, cols):
    keys = expected_keys(df, freq, h)
    got = fc.sort_values(['unique_id', 'ds'], kind='stable').reset_index(drop=True)
    assert len(got) == len(keys), (len(got), len(keys))
    pd.testing.assert_frame_equal(got[['unique_id', 'ds']], keys, check_dtype=False)
    assert np.isfinite(got[cols].to_numpy(dtype='float64')).all(), got


def attempt(call, df):
    "Run `call()`; return its result or None when it refused the data with a documented error; never mutate `df`"
    before = copy.deepcopy(df)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            return call()
    except DOCUMENTED as e:
        assert str(e), 'errors must say what went wrong'
        event(f'refused: {type(e).__name__} ' + ' '.join(str(e).split()[:4]))
        return None
    finally:
        pd.testing.assert_frame_equal(df, before)


@FUZZ
@given(panels(), st.integers(1, 4), st.sampled_from([None, 1, 3, 8]), st.sampled_from(['robust', 'standard', 'minmax', 'identity']),
       st.booleans(), st.booleans())
def test_lstm_fit_predict_succeeds_or_refuses(data, h, input_size, scaler, recurrent, quantiles):
    df, freq = data
    loss = MQLoss(level=[80]) if quantiles else None
    m = LSTMForecast(h=h, input_size=input_size, scaler_type=scaler, recurrent=recurrent, loss=loss, **TINY)
    fc = attempt(lambda: m.fit(df).predict(), df)
    if fc is None: return
    event('forecast')
    cols = [c for c in fc.columns if c.startswith('LSTM')]
    check_forecast(fc, df, m.freq_, h, cols)
    assert m.freq_ == check_df(df, allow_missing=True)[1]
    again = attempt(lambda: m.predict(df=df), df)  # the same history given explicitly: the same forecast
    pd.testing.assert_frame_equal(again, fc)


@settings(max_examples=200 * N, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(panels(max_series=5, max_len=30), st.integers(1, 5), st.sampled_from(['Naive', 'SeasonalNaive', 'HistoricAverage', 'RandomWalkWithDrift']),
       st.booleans())
def test_baselines_fit_predict_succeed_or_refuse(data, h, name, level):
    df, freq = data
    m = {'Naive': lambda: Naive(h), 'SeasonalNaive': lambda: SeasonalNaive(h, season_length=2),
         'HistoricAverage': lambda: HistoricAverage(h), 'RandomWalkWithDrift': lambda: RandomWalkWithDrift(h)}[name]()
    fc = attempt(lambda: m.fit(df).predict(level=[80] if level else None), df)
    if fc is None: return
    event('forecast')
    _, f = check_df(df, allow_missing=True)  # a baseline may only accept what check_df accepts
    check_forecast(fc, df, f, h, [c for c in fc.columns if c.startswith(name)])


@settings(max_examples=100 * N, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(panels(max_series=3, max_len=30), st.integers(1, 3), st.integers(1, 3))
def test_cross_validation_succeeds_or_refuses(data, h, n_windows):
    df, freq = data
    m = LSTMForecast(h=h, input_size=3, **TINY)
    cv = attempt(lambda: m.cross_validation(df, n_windows=n_windows), df)
    if cv is None: return
    event('forecast')
    S = df['unique_id'].nunique()
    if df['y'].notna().all(): assert len(cv) == S * n_windows * h
    else: assert len(cv) <= S * n_windows * h and len(cv) % h == 0  # windows with no observed actual are dropped
    assert np.isfinite(cv['LSTM']).all() and (cv['ds'] > cv['cutoff']).all()
    merged = cv.merge(df, on=['unique_id', 'ds'], suffixes=('', '_true'))
    assert len(merged) == len(cv) and np.array_equal(merged['y'], merged['y_true'], equal_nan=True)
