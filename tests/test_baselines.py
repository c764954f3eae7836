"Baselines: exact values, intervals, ragged panels, timestamps and errors."
import warnings
from statistics import NormalDist

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st

from lstm_forecast.baselines import HistoricAverage, Naive, RandomWalkWithDrift, SeasonalNaive
from lstm_forecast.data import load_air_passengers, synthetic_panel
from lstm_forecast.metrics import mape

Z = {l: NormalDist().inv_cdf(0.5 + l / 200) for l in (80, 95)}
MODELS = [Naive(3), SeasonalNaive(3, season_length=2), HistoricAverage(3), RandomWalkWithDrift(3)]


def one(y, ds=None, uid='a'):
    ds = np.arange(len(y)) if ds is None else ds
    return pd.DataFrame({'unique_id': uid, 'ds': ds, 'y': np.asarray(y, dtype=float)})


def panel(seed=0, n_series=5, freq='D'):
    rng = np.random.default_rng(seed)
    lens = rng.integers(4, 30, n_series)
    ids = np.repeat([f'id{i}' for i in range(n_series)], lens)
    starts = pd.to_datetime('2020-01-01') + pd.to_timedelta(rng.integers(0, 50, n_series), unit='D')
    ds = np.concatenate([pd.date_range(s, periods=n, freq=freq) for s, n in zip(starts, lens)])
    return pd.DataFrame({'unique_id': ids, 'ds': ds, 'y': rng.normal(10, 3, len(ids)).cumsum()})


# --- exact values ---------------------------------------------------------------------------------------------

def test_exact_values_one_series():
    y = [1., 2., 4., 7., 8.]  # changes 1, 2, 3, 1
    df = one(y)
    nv = Naive(3).fit(df).predict(level=[80])
    assert nv.Naive.tolist() == [8.] * 3
    sig = np.sqrt((1 + 4 + 9 + 1) / 4)
    np.testing.assert_allclose(nv['Naive-hi-80'] - 8, Z[80] * sig * np.sqrt([1, 2, 3]))

    sn = SeasonalNaive(5, season_length=2).fit(df).predict(level=[80])
    assert sn.SeasonalNaive.tolist() == [7., 8., 7., 8., 7.]
    sig = np.sqrt((9 + 25 + 16) / 3)  # lag-2 residuals 3, 5, 4
    np.testing.assert_allclose(sn['SeasonalNaive-hi-80'] - sn.SeasonalNaive, Z[80] * sig * np.sqrt([1, 1, 2, 2, 3]))

    ha = HistoricAverage(2).fit(df).predict(level=[95])
    assert ha.HistoricAverage.tolist() == [4.4, 4.4]
    np.testing.assert_allclose(ha['HistoricAverage-lo-95'], 4.4 - Z[95] * np.std(y, ddof=1) * np.sqrt(1.2))

    rw = RandomWalkWithDrift(2).fit(df).predict(level=[80])
    np.testing.assert_allclose(rw.RandomWalkWithDrift, [8 + 7 / 4, 8 + 14 / 4])
    res = np.array([1, 2, 3, 1]) - 7 / 4
    k = np.array([1, 2])
    np.testing.assert_allclose(rw['RandomWalkWithDrift-hi-80'] - rw.RandomWalkWithDrift,
                               Z[80] * np.sqrt((res ** 2).sum() / 4) * np.sqrt(k * (1 + k / 4)))


def test_airpassengers_seasonal_naive_mape():
    ap = load_air_passengers()
    train, test = ap.iloc[:132], ap.iloc[132:]
    fc = test.merge(SeasonalNaive(12, season_length=12).fit(train).predict(), on=['unique_id', 'ds'])
    assert mape(fc, per_series=False)['SeasonalNaive'] == pytest.approx(9.9875, abs=1e-3)
    assert fc.ds.iloc[0] == pd.Timestamp('1960-01-01')


# --- intervals ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize('model', MODELS, ids=lambda m: m.alias)
def test_interval_columns_order_and_widening(model):
    fc = model.fit(panel(1)).predict(level=[95, 80])
    a = model.alias
    assert fc.columns.tolist() == ['unique_id', 'ds', a, f'{a}-lo-95', f'{a}-lo-80', f'{a}-hi-80', f'{a}-hi-95']
    assert (fc[f'{a}-lo-95'] <= fc[f'{a}-lo-80']).all() and (fc[f'{a}-lo-80'] <= fc[a]).all()
    assert (fc[a] <= fc[f'{a}-hi-80']).all() and (fc[f'{a}-hi-80'] <= fc[f'{a}-hi-95']).all()
    np.testing.assert_allclose(fc[a] - fc[f'{a}-lo-80'], fc[f'{a}-hi-80'] - fc[a])  # symmetric
    width = (fc[f'{a}-hi-80'] - fc[f'{a}-lo-80']).to_numpy().reshape(-1, 3)  # [S, h]
    assert (np.diff(width, axis=1) >= -1e-12).all()
    if isinstance(model, HistoricAverage): np.testing.assert_allclose(np.diff(width, axis=1), 0)
    if isinstance(model, (Naive, RandomWalkWithDrift)): assert (np.diff(width, axis=1) > 0).all()


def test_float_level_and_no_interval_without_residuals():
    df = pd.concat([one([3.], uid='single'), one([1., 2., 3.], uid='three')])
    m = Naive(2, freq=1).fit(df)
    assert m.predict().Naive.tolist() == [3.] * 4  # a point forecast needs no residual
    with pytest.raises(ValueError, match=r"series \['single'\] are too short for Naive to measure the spread"):
        m.predict(level=[97.5])  # no residual: no interval, rather than NaN bounds
    fc = m.predict(df=df[df.unique_id == 'three'], level=[97.5])
    assert 'Naive-lo-97.5' in fc.columns and fc['Naive-lo-97.5'].notna().all()


# --- panels ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize('model', MODELS, ids=lambda m: m.alias)
def test_ragged_panel_equals_series_one_by_one(model):
    df = panel(2, n_series=6)
    together = model.fit(df).predict(level=[90]).set_index(['unique_id', 'ds'])
    for uid, g in df.groupby('unique_id'):
        alone = type(model).__new__(type(model))
        alone.__dict__.update(model.__dict__)
        alone = alone.fit(g).predict(level=[90]).set_index(['unique_id', 'ds'])
        pd.testing.assert_frame_equal(together.loc[[uid]], alone)


def test_row_order_irrelevant_and_input_not_mutated():
    df = panel(3)
    shuffled = df.sample(frac=1, random_state=0)
    before = shuffled.copy()
    a = RandomWalkWithDrift(4).fit(df).predict(level=[80])
    b = RandomWalkWithDrift(4).fit(shuffled).predict(level=[80])
    pd.testing.assert_frame_equal(a, b)
    pd.testing.assert_frame_equal(shuffled, before)


def test_predict_df_new_and_extended_series_without_refit():
    df = panel(4)
    m = Naive(2).fit(df)
    fitted = m.predict()
    new = one([1., 2., 5.], ds=pd.date_range('2021-01-01', periods=3, freq='D'), uid='new')
    out = m.predict(df=new)
    assert out.unique_id.tolist() == ['new', 'new'] and out.Naive.tolist() == [5., 5.]
    assert out.ds.tolist() == [pd.Timestamp('2021-01-04'), pd.Timestamp('2021-01-05')]
    pd.testing.assert_frame_equal(m.predict(), fitted)  # predict(df=...) leaves the fitted state alone
    assert Naive(2).predict(df=new).Naive.tolist() == [5., 5.]  # no fit needed


def test_alias_and_repr():
    fc = SeasonalNaive(2, season_length=1, alias='SN1').fit(one([1., 2.])).predict(level=[80])
    assert fc.columns.tolist() == ['unique_id', 'ds', 'SN1', 'SN1-lo-80', 'SN1-hi-80']
    assert repr(Naive(3)) == "Naive(h=3, alias='Naive')"


# --- timestamps -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize('freq', ['D', 'h', '15min', 'MS', 'ME', 'W-SUN', 'QS', 'YS', 'B'])
def test_future_timestamps_follow_the_inferred_frequency(freq):
    ds = pd.date_range('2021-01-04', periods=8, freq=freq)
    fc = Naive(3).fit(one(np.arange(8.), ds=ds)).predict()
    expected = pd.date_range(ds[-1], periods=4, freq=freq)[1:]
    assert fc.ds.tolist() == expected.tolist()
    assert fc.ds.dtype == ds.dtype or fc.ds.dtype.kind == 'M'


def test_one_frequency_for_all_series_and_explicit_freq():
    d = one(np.arange(4.), ds=pd.date_range('2021-01-01', periods=4, freq='D'), uid='daily')
    m = one(np.arange(4.), ds=pd.date_range('2021-01-01', periods=4, freq='MS'), uid='monthly')
    with pytest.raises(ValueError, match="series 'monthly' has frequency 'MS' but series 'daily' has 'D'"):
        Naive(2).fit(pd.concat([d, m]))  # as check_df and the LSTM: one frequency per frame
    short = one([1., 2.], ds=pd.to_datetime(['2021-01-01', '2021-01-08']))
    assert Naive(1, freq='W-FRI').fit(short).predict().ds.tolist() == [pd.Timestamp('2021-01-15')]


def test_integer_ds_steps():
    df = pd.concat([one([1., 2., 3.], ds=[10, 12, 14], uid='b'), one([4., 5.], ds=[0, 2], uid='a')])
    fc = HistoricAverage(2).fit(df).predict()
    assert fc.ds.tolist() == [4, 6, 16, 18]  # series in sorted order: a, b
    assert RandomWalkWithDrift(1, freq=2).fit(df).predict().ds.tolist() == [4, 16]
    assert pd.api.types.is_integer_dtype(fc.ds)
    with pytest.raises(ValueError, match="series 'a' has frequency 2, not freq=5"):
        RandomWalkWithDrift(1, freq=5).fit(df)


def test_tz_aware_timestamps():
    ds = pd.date_range('2021-03-01', periods=5, freq='D', tz='Europe/Berlin')
    fc = Naive(2).fit(one(np.arange(5.), ds=ds)).predict()
    assert fc.ds.tolist() == pd.date_range(ds[-1], periods=3, freq='D')[1:].tolist()


# --- errors ---------------------------------------------------------------------------------------------------

def test_errors():
    df = panel(5)
    cases = [
        (lambda: Naive(3).predict(), ValueError, 'Naive is not fitted: call fit(df) first'),
        (lambda: Naive(0), ValueError, 'h must be a positive int'),
        (lambda: Naive(-2), ValueError, 'h must be a positive int'),
        (lambda: Naive(2.5), ValueError, 'h must be a positive int'),
        (lambda: Naive(True), ValueError, 'h must be a positive int'),
        (lambda: SeasonalNaive(3, season_length=0), ValueError, 'season_length must be a positive int'),
        (lambda: SeasonalNaive(3, season_length=12).fit(one([1., 2., 3.])), ValueError,
         "series ['a'] have [3] rows, shorter than season_length=12"),
        (lambda: RandomWalkWithDrift(3, freq=1).fit(one([1.], ds=[0])), ValueError, 'too short for RandomWalkWithDrift'),
        (lambda: Naive(3).fit(df).predict(level=[80, 100]), ValueError, 'level=100 is outside (0, 100)'),
        (lambda: Naive(3).fit(df).predict(level=0), ValueError, 'level=0 is outside (0, 100)'),
        (lambda: Naive(3).fit(df.drop(columns='ds')), ValueError, "df is missing column(s) ['ds']"),
        (lambda: Naive(3).fit(df.iloc[:0]), ValueError, 'df is empty'),
        (lambda: Naive(3).fit(df.values), TypeError, 'check_df expects a pandas DataFrame'),
        (lambda: Naive(3).fit(df.assign(ds=df.ds.astype(str))), ValueError, "column 'ds' holds text"),
        (lambda: Naive(3).fit(df.assign(y='x')), ValueError, "column 'y' must be numeric"),
        (lambda: Naive(3).fit(df.assign(y=np.where(np.arange(len(df)) == 3, np.inf, df.y))), ValueError,
         "column 'y' has 1 infinite values; the first is series 'id0'"),
        (lambda: Naive(3).fit(df.assign(y=np.where(df.unique_id == 'id0', np.nan, df.y))), ValueError,
         "series 'id0' has no observed y"),
        (lambda: RandomWalkWithDrift(3, freq=1).fit(one([1., np.nan, np.nan], ds=[0, 1, 2])), ValueError,
         "have [1] observed values, too short for RandomWalkWithDrift"),
        (lambda: Naive(3).fit(pd.concat([df, df.iloc[:1]])), ValueError, 'duplicate (unique_id, ds) rows'),
        (lambda: Naive(3).fit(df.drop(index=2)), ValueError, "series 'id0' has a gap"),
        (lambda: Naive(3).fit(one([1., 2.], ds=pd.date_range('2020', periods=2))), ValueError,
         'cannot infer the frequency'),
        (lambda: Naive(3).fit(one([1., 2., 3.], ds=pd.to_datetime(['2020-01-01', '2020-01-02', '2020-01-05']))),
         ValueError, 'cannot infer the frequency'),
        (lambda: Naive(3).fit(one([1.], ds=[0])), ValueError, 'cannot infer the step of integer ds'),
        (lambda: Naive(3, freq='D').fit(one([1., 2.])), ValueError, "freq='D' does not match the integer ds"),
        (lambda: Naive(3, freq=1).fit(df), ValueError, 'freq=1 does not match the datetime ds'),
        (lambda: Naive(3, freq='daily'), ValueError, "freq='daily' is not a pandas offset alias"),
        (lambda: Naive(3, alias=''), TypeError, 'alias must be a non-empty string'),
    ]
    for f, exc, msg in cases:
        with pytest.raises(exc) as info:
            f()
        assert msg in str(info.value), (msg, str(info.value))


def test_categorical_ids_with_unused_categories():
    df = panel(6, n_series=3)
    cat = df.assign(unique_id=pd.Categorical(df.unique_id, categories=['unused', *sorted(df.unique_id.unique())]))
    a = SeasonalNaive(3, season_length=2).fit(df).predict(level=[80])
    b = SeasonalNaive(3, season_length=2).fit(cat).predict(level=[80])
    pd.testing.assert_frame_equal(a, b.assign(unique_id=b.unique_id.astype(a.unique_id.dtype)))


# ---------------------------------------------------------------- issue 15: huge y, reserved aliases
@pytest.mark.parametrize('B', [Naive, HistoricAverage, RandomWalkWithDrift, lambda h: SeasonalNaive(h, season_length=2)])
def test_forecasts_or_intervals_that_overflow_are_refused(B):
    df = pd.DataFrame({'unique_id': 'a', 'ds': np.arange(8), 'y': np.array([1., 3., 2., 5., 4., 6., 5., 8.]) * 1e306})
    with pytest.raises(ValueError, match=r'are not finite \(inf/NaN\) for series \[.a.\].*rescale y'):
        with warnings.catch_warnings():
            warnings.simplefilter('error')  # no RuntimeWarning on the way: the overflow is reported, not warned
            B(2).fit(df).predict(level=[80])


@pytest.mark.parametrize('alias', ['unique_id', 'ds', 'y', 'cutoff'])
def test_baselines_refuse_reserved_aliases(alias):
    for B in (Naive, HistoricAverage, RandomWalkWithDrift):
        with pytest.raises(ValueError, match=f"alias={alias!r} is reserved"): B(3, alias=alias)
    with pytest.raises(ValueError, match='is reserved'): SeasonalNaive(3, season_length=2, alias=alias)


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10 ** 6), st.floats(0.05, 0.6))
def test_missing_values_give_finite_forecasts_from_the_observed_values(seed, p):
    "NaN in y: finite forecasts and intervals; each baseline uses only observed values (a complete-data check per model)"
    full = synthetic_panel(n_series=3, min_length=30, max_length=40, seed=seed % 100)
    rng = np.random.default_rng(seed)
    holes = full.assign(y=full.y.where((rng.random(len(full)) > p) | (full.groupby('unique_id').cumcount() < 2)))
    for m in (Naive(5), SeasonalNaive(5, season_length=12), HistoricAverage(5), RandomWalkWithDrift(5)):
        out = m.fit(holes).predict(level=[80])
        assert np.isfinite(out.drop(columns=['unique_id', 'ds']).to_numpy()).all(), type(m).__name__
    last_seen = holes.dropna().groupby('unique_id').y.last().to_numpy()
    np.testing.assert_array_equal(Naive(5).fit(holes).predict().Naive.to_numpy()[::5], last_seen)
    np.testing.assert_allclose(HistoricAverage(5).fit(holes).predict().HistoricAverage.to_numpy()[::5],
                               holes.groupby('unique_id').y.mean().to_numpy())
