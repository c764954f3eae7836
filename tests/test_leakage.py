"""No leakage across a cutoff: changing any target or historic-exogenous value after a cutoff leaves every forecast
made at that cutoff unchanged, for `predict(df=...)` and for `cross_validation` (trained once, or refit at every or
every k-th window). Future-exogenous values over the horizon are known in advance and may matter; nothing else
after the cutoff may."""
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from lstm_forecast.data import synthetic_panel
from lstm_forecast.forecaster import LSTMForecast
from lstm_forecast.losses import MQLoss

H, N_WINDOWS = 3, 3
TINY = dict(h=H, input_size=6, max_steps=8, encoder_hidden_size=8, decoder_hidden_size=8, hist_exog_list=['x'],
            futr_exog_list=['f'], loss=MQLoss(level=[80]))
MODEL_COLS = ['LSTM', 'LSTM-median', 'LSTM-lo-80', 'LSTM-hi-80']


def make_df():
    "Ragged daily panel (so each series has its own cutoffs) with a historic `x` and a future `f` exogenous column"
    df = synthetic_panel(n_series=3, min_length=36, max_length=50, freq='D', seed=2)
    rng = np.random.default_rng(0)
    return df.assign(x=rng.normal(size=len(df)), f=np.sin(np.arange(len(df)) / 4))


DF = make_df()
POS = DF.groupby('unique_id').cumcount().to_numpy()  # position of each row in its series
LEN = DF.groupby('unique_id')['ds'].transform('size').to_numpy()


def first_target(w):
    "Local position of the first forecast step of window w (0 = earliest) in each row's series"
    return LEN - H - H * (N_WINDOWS - 1 - w)


def perturb(df, rows, cols, seed):
    "Replace `cols` at `rows` (a boolean mask) with other values"
    rng = np.random.default_rng(seed)
    out = df.copy()
    for c in cols: out.loc[rows, c] = out.loc[rows, c].to_numpy() * rng.uniform(-5, 5) + rng.normal(0, 50, rows.sum())
    return out


_CV = {}


def cv(df, refit):
    return LSTMForecast(**TINY).cross_validation(df, n_windows=N_WINDOWS, refit=refit)


def base_cv(refit):
    if refit not in _CV: _CV[refit] = cv(DF, refit)
    return _CV[refit]


REFITS = [False, True, 2]


@pytest.mark.parametrize('refit', REFITS, ids=['once', 'every window', 'every 2 windows'])
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(w=st.integers(0, N_WINDOWS - 1), cols=st.sampled_from([['y'], ['x'], ['y', 'x']]), seed=st.integers(0, 1000))
def test_cross_validation_ignores_everything_after_each_cutoff(refit, w, cols, seed):
    base = base_cv(refit)
    got = cv(perturb(DF, POS >= first_target(w), cols, seed), refit)  # values after the w-th cutoff of every series change
    ok = base.groupby('unique_id')['cutoff'].rank(method='dense').sub(1) <= w  # forecasts made at cutoffs 0..w
    pd.testing.assert_frame_equal(got.loc[ok, MODEL_COLS], base.loc[ok, MODEL_COLS], check_exact=True)
    if w < N_WINDOWS - 1 and 'y' in cols:  # and the test can see a leak: later windows do change
        assert not np.allclose(got.loc[~ok, 'LSTM'], base.loc[~ok, 'LSTM'])


@pytest.fixture(scope='module')
def fitted():
    "A model trained on everything before the first cross-validation cutoff"
    train = DF[POS < first_target(0)]
    return LSTMForecast(**TINY).fit(train)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(w=st.integers(0, N_WINDOWS - 1), seed=st.integers(0, 1000), junk=st.sampled_from([np.nan, np.inf, 1e30, None]))
def test_predict_ignores_targets_and_historic_exogenous_after_the_cutoff(fitted, w, seed, junk):
    cut = first_target(w)
    hist, future = DF[POS < cut], DF[(POS >= cut) & (POS < cut + H)]
    base = fitted.predict(df=hist, futr_df=future)
    changed = perturb(future, np.ones(len(future), bool), ['y', 'x'], seed) if junk is None else future.assign(y=junk, x=junk)  # even NaN
    pd.testing.assert_frame_equal(fitted.predict(df=hist, futr_df=changed), base, check_exact=True)
    moved = future.assign(f=future.f + 1)  # the future exogenous column is known ahead: it may matter
    assert not fitted.predict(df=hist, futr_df=moved).LSTM.equals(base.LSTM)


def test_predict_ignores_history_before_its_input_window(fitted):
    hist = DF[POS < first_target(N_WINDOWS - 1)]
    future = DF[(POS >= first_target(N_WINDOWS - 1)) & (POS < first_target(N_WINDOWS - 1) + H)]
    start = hist.groupby('unique_id').cumcount(ascending=False) >= fitted.input_size_  # rows older than the window
    older = hist.assign(y=hist.y.where(~start, -1e6), x=hist.x.where(~start, 1e6))
    pd.testing.assert_frame_equal(fitted.predict(df=older, futr_df=future), fitted.predict(df=hist, futr_df=future), check_exact=True)


def test_cross_validation_forecasts_equal_predict_at_each_cutoff(fitted):
    "The batched backtest is the same computation as `predict` on the history up to each cutoff"
    res = base_cv(False)
    for w in range(N_WINDOWS):
        cut = first_target(w)
        p = fitted.predict(df=DF[POS < cut], futr_df=DF[(POS >= cut) & (POS < cut + H)])
        rows = res.groupby('unique_id')['cutoff'].rank(method='dense').sub(1) == w
        got = res.loc[rows].sort_values(['unique_id', 'ds']).reset_index(drop=True)
        pd.testing.assert_frame_equal(got[['unique_id', 'ds']], p[['unique_id', 'ds']])
        np.testing.assert_allclose(got[MODEL_COLS].to_numpy(), p[MODEL_COLS].to_numpy(), rtol=1e-5, atol=1e-5)
