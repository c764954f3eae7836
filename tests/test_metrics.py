"Metrics: hand-computed values, arrays vs frames, properties (hypothesis) and the error messages."
import numpy as np
import pandas as pd
import pytest
import torch
from hypothesis import example, given, settings, strategies as st
from hypothesis.extra.numpy import arrays

from lstm_forecast.metrics import (coverage, evaluate, mae, mape, mase, mse, quantile_loss, rmse, rmsse, smape,
                                   winkler_score)

Y = np.array([1., 2., 3., 4.])
YH = np.array([1., 3., 2., 6.])  # errors 0, -1, 1, -2
YT = np.array([1., 3., 2., 4.])  # naive in-sample |diffs| 2, 1, 2
LO, HI = np.array([0., 2.5, 2., 3.]), np.array([2., 3., 4., 3.5])


@pytest.mark.parametrize('fn, args, expected', [
    (mae, (Y, YH), 1.0),
    (mse, (Y, YH), 1.5),
    (rmse, (Y, YH), 1.5 ** 0.5),
    (mape, (Y, YH), 100 * (1 / 2 + 1 / 3 + 2 / 4) / 4),
    (smape, (Y, YH), 30.0),
    (mase, (Y, YH, YT), 0.6),
    (rmsse, (Y, YH, YT), 0.5 ** 0.5),
    (quantile_loss, (Y, YH, 0.9), 0.3),
    (quantile_loss, (Y, YH, 0.1), (0 + 0.9 + 0.1 + 1.8) / 4),
    (coverage, (Y, LO, HI), 0.5),
    (winkler_score, (Y, LO, HI, 80), 3.75),
])
def test_hand_computed(fn, args, expected):
    assert fn(*args) == pytest.approx(expected)


def test_seasonal_scale():
    yt = np.array([10., 20., 12., 22., 13., 25.])  # lag-2 diffs 2, 2, 1, 3
    assert mase(Y, YH, yt, season_length=2) == pytest.approx(1.0 / 2.0)
    assert rmsse(Y, YH, yt, season_length=2) == pytest.approx((1.5 / 4.5) ** 0.5)


def test_inputs_tensor_series_list_and_2d():
    assert mae(torch.tensor(Y), torch.tensor(YH)) == mae(pd.Series(Y), list(YH)) == 1.0
    assert isinstance(mae(Y, YH), float)
    assert mae(Y.reshape(2, 2), YH.reshape(2, 2)) == 1.0  # any shape, averaged over all elements
    assert mae(torch.tensor(Y, requires_grad=True), torch.tensor(YH)) == 1.0


def test_missing_actuals_are_skipped_with_a_note_missing_forecasts_propagate():
    with pytest.warns(UserWarning, match='mae skipped 1 of 2 actuals that are missing'):
        assert mae([1., np.nan], [1., 2.]) == 0.0
    holes = pd.DataFrame({'unique_id': ['a', 'a', 'b', 'b'], 'y': [1., np.nan, 3., np.nan], 'm': [2., 9., 3., 9.]})
    with pytest.warns(UserWarning, match='skipped 2 of 4 rows whose actual y is missing'):
        assert mae(holes).m.tolist() == [1., 0.] and evaluate(holes.assign(ds=0), metrics=['mae']).m.tolist() == [1., 0.]
    with pytest.raises(ValueError, match='every actual y is missing'): mae(holes.assign(y=np.nan))
    assert np.isnan(mae([1., 2.], [1., np.nan]))
    df = pd.DataFrame({'unique_id': ['a', 'a', 'b'], 'y': [1., 2., 3.], 'm': [1., np.nan, 3.]})
    res = mae(df)
    assert np.isnan(res.m[0]) and res.m[1] == 0
    assert np.isnan(mae(df, per_series=False)['m'])


def test_smape_bounds_and_zero_terms():
    assert smape([0., 0.], [0., 0.]) == 0.0
    assert smape([1., -1.], [-1., 1.]) == 200.0


def test_quantile_loss_several_quantiles():
    yq = np.stack([YH - 1, YH, YH + 1], axis=-1)  # [4, 3]
    expected = np.mean([quantile_loss(Y, yq[:, i], q) for i, q in enumerate([0.1, 0.5, 0.9])])
    assert quantile_loss(Y, yq, [0.1, 0.5, 0.9]) == pytest.approx(expected)
    with pytest.raises(ValueError, match=r'y_hat must have shape \(4, 3\)'):
        quantile_loss(Y, YH, [0.1, 0.5, 0.9])


# --- frames ---------------------------------------------------------------------------------------------------

def _panel(seed=0, n_series=3):
    rng = np.random.default_rng(seed)
    lens = rng.integers(3, 9, n_series)
    ids = np.repeat([f's{i}' for i in range(n_series)], lens)
    ds = np.concatenate([np.arange(n) for n in lens])
    y = rng.uniform(1, 10, len(ids))
    df = pd.DataFrame({'unique_id': ids, 'ds': ds, 'y': y, 'A': y + rng.normal(0, 1, len(ids)),
                       'B': y + rng.normal(0, 2, len(ids))})
    for m in 'AB':
        df[f'{m}-lo-90'] = df[m] - 1.5
        df[f'{m}-hi-90'] = df[m] + 1.5
    train = pd.DataFrame({'unique_id': np.repeat(df.unique_id.unique(), 6), 'ds': np.tile(np.arange(6), n_series),
                          'y': rng.uniform(1, 10, 6 * n_series)})
    return df.sample(frac=1, random_state=seed), train  # shuffled rows: frames need not be sorted


@pytest.mark.parametrize('name', ['mae', 'mse', 'rmse', 'mape', 'smape', 'mase', 'rmsse', 'q', 'cov', 'wink'])
def test_frame_agrees_with_arrays(name):
    df, train = _panel()
    for uid, g in df.sort_values('ds').groupby('unique_id'):
        yt = train.loc[train.unique_id == uid].sort_values('ds').y
        for m in 'AB':
            lo, hi = g[f'{m}-lo-90'], g[f'{m}-hi-90']
            arr, frame = {
                'mae': (lambda: mae(g.y, g[m]), lambda: mae(df)),
                'mse': (lambda: mse(g.y, g[m]), lambda: mse(df)),
                'rmse': (lambda: rmse(g.y, g[m]), lambda: rmse(df)),
                'mape': (lambda: mape(g.y, g[m]), lambda: mape(df)),
                'smape': (lambda: smape(g.y, g[m]), lambda: smape(df)),
                'mase': (lambda: mase(g.y, g[m], yt, 2), lambda: mase(df, train_df=train, season_length=2)),
                'rmsse': (lambda: rmsse(g.y, g[m], yt, 2), lambda: rmsse(df, train_df=train, season_length=2)),
                'q': (lambda: quantile_loss(g.y, hi, 0.95), lambda: quantile_loss(df, q=0.95)),
                'cov': (lambda: coverage(g.y, lo, hi), lambda: coverage(df, level=90)),
                'wink': (lambda: winkler_score(g.y, lo, hi, 90), lambda: winkler_score(df, level=90)),
            }[name]
            table = frame().set_index('unique_id')
            assert table.loc[uid, m] == pytest.approx(arr())


def test_frame_overall_is_mean_over_series_and_evaluate_matches():
    df, train = _panel(1)
    per = rmse(df).set_index('unique_id')
    assert rmse(df, per_series=False).to_dict() == pytest.approx(per.mean().to_dict())
    ev = evaluate(df, train_df=train, season_length=2, level=[90])
    assert ev.columns.tolist() == ['unique_id', 'metric', 'A', 'B']
    assert ev.metric.tolist()[:7] == ['mae', 'rmse', 'smape', 'mase', 'rmsse', 'coverage-90', 'winkler_score-90']
    assert ev.unique_id.tolist() == sorted(ev.unique_id.tolist())
    rm = ev[ev.metric == 'rmse'].set_index('unique_id')[['A', 'B']]
    pd.testing.assert_frame_equal(rm, per, check_names=False)
    overall = evaluate(df, train_df=train, season_length=2, level=[90], per_series=False).set_index('metric')
    assert overall.loc['rmse'].to_dict() == pytest.approx(per.mean().to_dict())


def test_evaluate_metric_names_callables_and_quantile_loss_per_level():
    df, _ = _panel(2)
    def bias(d, models):  # a custom metric
        return d.assign(**{m: d[m] - d.y for m in models}).groupby('unique_id')[models].mean().reset_index()
    ev = evaluate(df, metrics=['mae', bias, quantile_loss], level=[90], per_series=False).set_index('metric')
    assert ev.index.tolist() == ['mae', 'bias', 'quantile_loss-90']
    expected = quantile_loss(df, q=[0.05, 0.95], per_series=False)
    assert ev.loc['quantile_loss-90'].to_dict() == pytest.approx(expected.to_dict())


def test_float_levels_and_median_column():
    df = pd.DataFrame({'unique_id': ['a'] * 2, 'y': [1., 2.], 'M': [0., 0.], 'M-median': [1., 2.],
                       'M-lo-97.5': [0., 1.], 'M-hi-97.5': [2., 3.]})
    assert coverage(df, level=97.5).M[0] == 1.0
    assert quantile_loss(df, q=0.5).M[0] == 0.0  # reads M-median, not M
    assert quantile_loss(df, q=0.0125).M[0] == pytest.approx(0.0125)  # reads M-lo-97.5


def test_input_not_mutated():
    df, train = _panel(3)
    before, tbefore = df.copy(), train.copy()
    evaluate(df, train_df=train, level=[90])
    pd.testing.assert_frame_equal(df, before)
    pd.testing.assert_frame_equal(train, tbefore)


# --- errors ---------------------------------------------------------------------------------------------------

def test_errors():
    df, train = _panel(4)
    cases = [
        (lambda: mae(Y, YH[:3]), ValueError, 'misaligned inputs: y has shape (4,), y_hat has shape (3,)'),
        (lambda: mae([], []), ValueError, 'empty inputs'),
        (lambda: mae(Y), ValueError, 'needs the forecasts y_hat'),
        (lambda: mae(Y, ['a', 'b', 'c', 'd']), TypeError, 'y_hat must be numeric'),
        (lambda: mae(df, YH), TypeError, 'pass models=[...] instead of y_hat'),
        (lambda: mae(df, models=['C']), ValueError, "df lacks column(s) ['C']"),
        (lambda: mae(df.drop(columns='y')), ValueError, "df lacks column(s) ['y']"),
        (lambda: mae(df[['unique_id', 'ds', 'y']]), ValueError, 'df has no model columns'),
        (lambda: mape([0., 1.], [1., 1.]), ValueError, 'mape is undefined: y has 1 zero value(s)'),
        (lambda: mase(Y, YH), ValueError, 'mase needs y_train'),
        (lambda: mase(Y, YH, [1., 2.], season_length=2), ValueError, 'needs more than season_length=2'),
        (lambda: mase(Y, YH, YT, season_length=0), ValueError, 'season_length must be a positive int'),
        (lambda: mase(df), ValueError, 'mase needs train_df'),
        (lambda: rmsse(df, train_df=train[train.unique_id != 's0']), ValueError, "series ['s0'] of df are missing"),
        (lambda: mase(df, train_df=train, season_length=6), ValueError, 'have at most season_length=6 rows'),
        (lambda: mase(df, train_df=train.assign(y=1.)), ValueError, 'constant over their seasons'),
        (lambda: quantile_loss(Y, YH, 0), ValueError, 'strictly between 0 and 1'),
        (lambda: coverage(Y, LO), ValueError, 'needs the lower and upper bounds'),
        (lambda: coverage(Y, HI, LO), ValueError, 'lo exceeds hi'),
        (lambda: coverage(df), ValueError, 'needs one level'),
        (lambda: coverage(df, level=[80, 90]), ValueError, 'needs one level'),
        (lambda: coverage(df, level=80), ValueError, "lacks column(s) ['A-lo-80', 'A-hi-80'"),
        (lambda: coverage(df, level=100), ValueError, 'level=100 is outside (0, 100)'),
        (lambda: winkler_score(Y, LO, HI), ValueError, 'needs the level'),
        (lambda: winkler_score(Y, LO, HI, level=-5), ValueError, 'level=-5 is outside (0, 100)'),
        (lambda: winkler_score(df.assign(**{'A-lo-90': df['A-hi-90'] + 1}), level=90), ValueError,
         'A: lower bound exceeds upper bound at level 90'),
        (lambda: evaluate(df, metrics=['mase']), ValueError, 'mase needs train_df'),
        (lambda: evaluate(df, metrics=['coverage']), ValueError, 'coverage needs level'),
        (lambda: evaluate(df, metrics=['mda']), ValueError, "unknown metric 'mda'"),
        (lambda: evaluate(df, level=[80]), ValueError, 'no model has the interval columns'),
        (lambda: evaluate(df, level=150), ValueError, 'level=150 is outside (0, 100)'),
    ]
    for f, exc, msg in cases:
        with pytest.raises(exc) as info:
            f()
        assert msg in str(info.value), (msg, str(info.value))


# --- properties -----------------------------------------------------------------------------------------------

finite = st.floats(-1e4, 1e4, allow_nan=False, allow_infinity=False)
pairs = st.integers(1, 30).flatmap(lambda n: st.tuples(arrays(np.float64, n, elements=finite),
                                                       arrays(np.float64, n, elements=finite)))


@settings(max_examples=60, deadline=None)
@given(pairs)
def test_properties_point_metrics(p):
    y, yh = p
    for f in (mae, mse, rmse, smape):
        assert f(y, yh) >= 0
        assert f(y, y) == 0
    assert mae(y, yh) <= rmse(y, yh) * (1 + 1e-9) + 1e-9
    assert smape(y, yh) <= 200 + 1e-9
    assert quantile_loss(y, yh, 0.3) >= 0 and quantile_loss(y, y, 0.3) == 0


@settings(max_examples=60, deadline=None)
@given(pairs, st.floats(0, 100), st.floats(1, 99))
@example(p=(np.array([8193.]), np.array([0.])), width=1e-12, level=1.0)  # found by a random seed: rounding at y's scale
def test_properties_intervals(p, width, level):
    y, c = p
    lo, hi = c - width / 2, c + width / 2
    cov = coverage(y, lo, hi)
    assert 0 <= cov <= 1
    assert winkler_score(y, lo, hi, level) >= np.mean(hi - lo) - 1e-9
    assert coverage(y, y - width, y + width) == 1.0
    ulp = np.spacing(np.abs(y).max()) if len(y) else 0.  # y ± width is rounded at y's scale
    # and the mean of 2*width over the rows is rounded at width's scale (a mean of equal floats can be 1 ulp off)
    assert winkler_score(y, y - width, y + width, level) == pytest.approx(2 * width, rel=1e-12, abs=4 * ulp)


@settings(max_examples=40, deadline=None)
@given(pairs, st.integers(1, 3))
def test_properties_scaled(p, m):
    y, yh = p
    y_train = np.arange(m + 3, dtype=float) ** 1.5  # strictly increasing: non-zero scale
    assert mase(y, yh, y_train, m) >= 0 and mase(y, y, y_train, m) == 0
    assert rmsse(y, yh, y_train, m) >= 0


def test_categorical_ids_with_unused_categories():
    df, train = _panel(5)
    cats = ['unused', *sorted(df.unique_id.unique())]
    cdf = df.assign(unique_id=pd.Categorical(df.unique_id, categories=cats))
    ctrain = train.assign(unique_id=pd.Categorical(train.unique_id, categories=cats))
    a = evaluate(df, train_df=train, level=[90])
    b = evaluate(cdf, train_df=ctrain, level=[90])
    pd.testing.assert_frame_equal(a, b.assign(unique_id=b.unique_id.astype(a.unique_id.dtype)))
