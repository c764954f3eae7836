"lstm_forecast.data: check_df's errors and guarantees, frequencies, read_series, the bundled and synthetic data."
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st

from lstm_forecast.data import (air_passengers_panel, check_alias, check_df, future_dates, infer_freq, load_air_passengers,
                                make_future_dataframe, normalize_freq, read_series, synthetic_panel, _ar1)

FAST = settings(max_examples=60, deadline=None)
AP = load_air_passengers()


def two_series():
    return pd.concat([AP, AP.assign(unique_id='B', y=AP.y + 1)], ignore_index=True)


# ---------------------------------------------------------------- check_df: every error, with its message
def with_y(i, value):
    y = AP.y.astype(object).copy()
    y.iloc[i] = value
    return AP.assign(y=y)


ERRORS = {
    'not a frame': (lambda: AP.to_numpy(), {}, TypeError, 'expects a pandas DataFrame'),
    'empty': (lambda: AP.iloc[:0], {}, ValueError, 'df is empty (0 rows)'),
    'missing column': (lambda: AP.rename(columns={'y': 'value'}), {}, ValueError,
                       "missing column(s) ['y']; its columns are ['unique_id', 'ds', 'value']"),
    'missing exog': (lambda: AP, dict(exog_cols=['price']), ValueError, "missing column(s) ['price']"),
    'name clash': (lambda: AP.assign(series='x'), dict(id_col='series'), ValueError, "both the columns ['unique_id']"),
    'missing id': (lambda: AP.assign(unique_id=AP.unique_id.where(AP.index != 3)), {}, ValueError,
                   "column 'unique_id' has missing series ids (first at row 3)"),
    'y NaN': (lambda: AP.assign(y=AP.y.where(AP.index != 5)), {}, ValueError,
              "1 non-finite values (NaN/inf); the first is series 'AirPassengers' at ds=1949-06-01 (nan)"),
    'y inf': (lambda: AP.assign(y=np.where(AP.index == 7, -np.inf, AP.y)), {}, ValueError,
              "series 'AirPassengers' at ds=1949-08-01 (-inf)"),
    'y text value': (lambda: with_y(3, 'n/a'), {}, ValueError,
                     "column 'y' must be numeric: series 'AirPassengers' at ds=1949-04-01 holds 'n/a'"),
    'y numeric text': (lambda: with_y(0, '112'), {}, ValueError, "holds '112'"),
    'y text dtype': (lambda: AP.assign(y=AP.y.astype(str).astype('string')), {}, ValueError, "column 'y' must be numeric"),
    'exog NaN': (lambda: AP.assign(price=np.where(AP.index == 9, np.nan, 1.)), dict(exog_cols=['price']), ValueError,
                 "column 'price' has 1 non-finite values (NaN/inf); the first is series 'AirPassengers' at ds=1949-10-01"),
    'duplicates': (lambda: pd.concat([AP, AP.iloc[[7, 8]]]), {}, ValueError,
                   "2 duplicate (unique_id, ds) rows; the first is series 'AirPassengers' at ds=1949-08-01"),
    'gap': (lambda: AP.drop(index=[30, 31]), {}, ValueError,
            "series 'AirPassengers' has a gap: 1951-07-01 and 1951-08-01 are missing (after 1951-06-01 comes 1951-09-01) "
            "for freq='MS'"),
    'gap in second series': (lambda: two_series().drop(index=150), {}, ValueError,
                             "series 'B' has a gap: 1949-07-01 is missing"),
    'gap given freq': (lambda: AP.drop(index=[0, 5]), dict(freq='MS'), ValueError, '1949-06-01 is missing'),
    'off grid': (lambda: AP.assign(ds=AP.ds.where(AP.index != 12, pd.Timestamp('1950-01-15'))), {}, ValueError,
                 "does not follow freq='MS'"),
    'off grid start': (lambda: AP.assign(ds=AP.ds + pd.Timedelta(days=3)), dict(freq='MS'), ValueError,
                       "starts at 1949-01-04, which is not on the grid of freq='MS'"),
    'other series other freq': (lambda: pd.concat([AP, AP.assign(unique_id='B', ds=AP.ds + pd.offsets.MonthEnd(0))]),
                                {}, ValueError, "series 'B' has frequency 'ME' but series 'AirPassengers' has 'MS'"),
    'off grid start, given freq': (lambda: pd.concat([AP, AP.assign(unique_id='B', ds=AP.ds + pd.offsets.MonthEnd(0))]),
                                   dict(freq='MS'), ValueError, "series 'B' has frequency 'ME', not freq='MS'; resample it to 'MS'"),
    'off grid first row': (lambda: AP.assign(ds=AP.ds.where(AP.index != 0, pd.Timestamp('1948-12-31'))), {}, ValueError,
                       "series 'AirPassengers' starts at 1948-12-31, which is not on the grid of freq='MS'"),
    'integer steps differ': (lambda: pd.DataFrame({'unique_id': [1] * 4 + [2] * 3, 'ds': [0, 2, 4, 6, 0, 3, 6], 'y': 1.}), {},
                             ValueError, "series 2 has frequency 3 but series 1 has 2: all series must share one frequency"),
    'irregular': (lambda: AP.assign(ds=AP.ds + pd.to_timedelta(np.arange(144) % 3, unit='D')), {}, ValueError,
                  'cannot infer the frequency of ds'),
    'too few to infer': (lambda: AP.head(2), {}, ValueError, 'every series has fewer than 3 timestamps; pass freq='),
    'freq type': (lambda: AP, dict(freq=1), ValueError, 'freq=1 does not match the datetime ds'),
    'bad alias': (lambda: AP, dict(freq='monthly'), ValueError, "freq='monthly' is not a pandas offset alias"),
    'too short': (lambda: two_series().iloc[:150], dict(input_size=10, h=12), ValueError,
                  "series 'B' has 6 rows, too short for input_size=10 + h=12 (needs 22); lower input_size or h, "
                  "or drop the 1 series shorter than 22"),
    'negative h': (lambda: AP, dict(h=-1), ValueError, 'h=-1 must be a non-negative integer'),
    'mixed types': (lambda: AP.assign(ds=AP.ds.astype(object).where(AP.index != 0, 0)), {}, ValueError,
                    "column 'ds' mixes timestamp types ['integer', 'datetime']"),
    'mixed time zones': (lambda: AP.assign(ds=[pd.Timestamp('2000-01-01', tz='UTC')] * 143 + [pd.Timestamp('2000-01-01', tz='Asia/Tokyo')]),
                         {}, ValueError, "column 'ds' mixes time zones"),
    'text ds': (lambda: AP.assign(ds=AP.ds.dt.strftime('%Y-%m')), {}, ValueError,
                "column 'ds' holds text ('1949-01'), not timestamps; convert it with pd.to_datetime"),
    'float ds': (lambda: AP.assign(ds=np.arange(144.)), {}, ValueError, "column 'ds' has dtype float64; it must be datetime64 or integer"),
    'missing ds': (lambda: AP.assign(ds=AP.ds.where(AP.index != 4)), {}, ValueError, "column 'ds' has 1 missing timestamps (first at row 4)"),
    'integer gap': (lambda: pd.DataFrame({'unique_id': 1, 'ds': [0, 2, 4, 8, 10], 'y': 1.}), {}, ValueError,
                    'series 1 has a gap: 6 is missing (after 4 comes 8) for freq=2'),
    'integer off grid': (lambda: pd.DataFrame({'unique_id': 1, 'ds': [0, 2, 4, 7, 9], 'y': 1.}), {}, ValueError,
                         'series 1 does not follow freq=2'),
    'integer with alias': (lambda: pd.DataFrame({'unique_id': 1, 'ds': [0, 1, 2], 'y': 1.}), dict(freq='D'), ValueError,
                           "freq='D' does not match the integer ds; pass an int step"),
}


@pytest.mark.parametrize('name', list(ERRORS))
def test_check_df_error_messages(name):
    make, kwargs, exc, message = ERRORS[name]
    df = make()
    before = df.copy() if isinstance(df, pd.DataFrame) else None
    with pytest.raises(exc) as e:
        check_df(df, **kwargs)
    assert message in str(e.value), str(e.value)
    if before is not None: pd.testing.assert_frame_equal(df, before)  # even a failing check leaves the input alone


# ---------------------------------------------------------------- check_df: what it returns
@st.composite
def panels(draw):
    "Random valid panels: 1-5 series, 1-40 rows, datetime or integer ds, shuffled, extra columns."
    n = draw(st.integers(1, 5))
    freq = draw(st.sampled_from(['D', 'MS', 'ME', 'h', 'W-SUN', 'QS-JAN', 3]))
    lengths = draw(st.lists(st.integers(3, 40), min_size=n, max_size=n))
    ids = draw(st.lists(st.sampled_from(['a', 'b', 'c', 'd', 'e', 'f', 'g']), min_size=n, max_size=n, unique=True))
    offsets = draw(st.lists(st.integers(0, 10), min_size=n, max_size=n))
    frames = []
    for uid, m, o in zip(ids, lengths, offsets):
        ds = np.arange(o, o + m) * freq if isinstance(freq, int) else pd.date_range('2001-01-01', periods=m + o, freq=freq)[o:]
        frames.append(pd.DataFrame({'unique_id': uid, 'ds': ds, 'y': np.arange(m, dtype=float) * 1.5, 'x': np.arange(m)}))
    df = pd.concat(frames, ignore_index=True)
    perm = draw(st.permutations(range(len(df))))
    return df.iloc[list(perm)].set_index(pd.Index(np.arange(len(df)) * 7 + 3)), freq, dict(zip(ids, lengths))


@FAST
@given(panels())
def test_check_df_sorts_a_copy_and_infers_the_frequency(case):
    df, freq, lengths = case
    before = df.copy(deep=True)
    out, f = check_df(df, exog_cols=['x'])
    pd.testing.assert_frame_equal(df, before)  # never mutated
    assert out is not df
    assert f == (freq if isinstance(freq, int) else normalize_freq(freq))
    assert isinstance(out.index, pd.RangeIndex) and out['y'].dtype == np.float64
    expected = df.sort_values(['unique_id', 'ds']).reset_index(drop=True).assign(y=lambda d: d.y.astype('float64'))
    pd.testing.assert_frame_equal(out, expected)
    assert out.groupby('unique_id').size().to_dict() == lengths
    out.loc[0, 'y'] = -1.  # writing into the result does not reach the input
    pd.testing.assert_frame_equal(df, before)
    assert infer_freq(df) == f


@FAST
@given(panels(), st.integers(0, 5))
def test_check_df_never_mutates_even_when_it_raises(case, k):
    df, _, _ = case
    bad = df.copy()
    bad.iloc[k % len(bad), bad.columns.get_loc('y')] = np.nan
    before = bad.copy(deep=True)
    with pytest.raises(ValueError, match='non-finite'):
        check_df(bad)
    pd.testing.assert_frame_equal(bad, before)


def test_check_df_renames_to_the_standard_names_and_keeps_other_columns():
    df = AP.rename(columns={'unique_id': 'series', 'ds': 'month', 'y': 'passengers'}).assign(extra=1)
    out, freq = check_df(df, id_col='series', time_col='month', target_col='passengers', input_size=12, h=12)
    assert list(out.columns) == ['unique_id', 'ds', 'y', 'extra'] and freq == 'MS'


@pytest.mark.parametrize('given,canonical', [('M', 'ME'), ('ME', 'ME'), ('MS', 'MS'), ('H', 'h'), ('h', 'h'), ('T', 'min'),
                                             ('Q', 'QE-DEC'), ('A', 'YE-DEC'), ('Y', 'YE-DEC'), ('W', 'W-SUN'), ('2D', '2D'),
                                             ('BM', 'BME'), ('S', 's'), (pd.offsets.MonthEnd(), 'ME'), (12, 12)])
def test_normalize_freq_accepts_old_and_new_pandas_aliases(given, canonical):
    assert normalize_freq(given) == canonical


@pytest.mark.parametrize('freq', ['D', 'h', '15min', 'B', 'W-SUN', 'W-WED', 'MS', 'ME', 'QS-JAN', 'QE-DEC', 'YS-JAN', 'YE-DEC', 1, 7])
def test_frequency_is_inferred_for_each_alias(freq):
    df = synthetic_panel(n_series=3, min_length=20, max_length=40, freq=freq)
    assert check_df(df)[1] == normalize_freq(freq)


def test_old_month_alias_is_read_as_month_end():
    panel, _ = air_passengers_panel()
    assert check_df(panel, freq='M')[1] == 'ME' and infer_freq(panel) == 'ME'


def test_frequency_inferred_despite_a_gap_in_the_longest_series():
    with pytest.raises(ValueError, match='1955-01-01 is missing'):
        check_df(AP[AP.ds != '1955-01-01'])


def test_time_zone_aware_and_object_timestamps_are_accepted():
    out, freq = check_df(AP.assign(ds=AP.ds.dt.tz_localize('UTC')))
    assert freq == 'MS' and str(out.ds.dt.tz) == 'UTC'
    out, freq = check_df(AP.assign(ds=AP.ds.astype(object)))
    assert freq == 'MS' and pd.api.types.is_datetime64_any_dtype(out.ds)


def test_integer_and_categorical_ids():
    df = two_series().assign(unique_id=lambda d: (d.unique_id == 'B').astype(int))
    out, _ = check_df(df.iloc[::-1])
    assert out.unique_id.tolist() == [0] * 144 + [1] * 144
    out, _ = check_df(two_series().astype({'unique_id': 'category'}).iloc[::-1])
    assert out.unique_id.astype(str).tolist() == ['AirPassengers'] * 144 + ['B'] * 144


# ---------------------------------------------------------------- future timestamps
@pytest.mark.parametrize('freq', ['D', 'h', 'B', 'W-SUN', 'MS', 'ME', 'QE-DEC', 'YS-JAN'])
def test_future_dates_match_date_range_per_series(freq):
    df = synthetic_panel(n_series=4, min_length=5, max_length=30, freq=freq, seed=3)
    fut = make_future_dataframe(df, h=5)
    for uid, g in df.groupby('unique_id'):
        expected = pd.date_range(g.ds.max(), periods=6, freq=freq)[1:]
        assert fut[fut.unique_id == uid].ds.tolist() == list(expected)


def test_future_dates_for_integer_ds_and_errors():
    np.testing.assert_array_equal(future_dates(np.array([3, 10]), 2, 2), [[5, 7], [12, 14]])
    assert make_future_dataframe(synthetic_panel(n_series=2, freq=1), h=2).shape == (4, 2)
    with pytest.raises(ValueError, match='must be a positive integer'):
        future_dates(np.array([3]), 1, 0)
    with pytest.raises(ValueError, match='is an int step but last_ds has dtype datetime64'):
        future_dates(AP.ds.iloc[-2:], 1, 2)


# ---------------------------------------------------------------- read_series
def test_read_series_reads_the_tutorial_csv(tmp_path, capsys):
    path = tmp_path / 'airline-passengers.csv'
    path.write_text('"Month","Passengers"\n"1949-01",112\n"1949-02",118\n"1949-03",132\n')
    df = read_series(path)
    assert df.to_dict('list') == {'unique_id': ['Passengers'] * 3, 'ds': list(pd.date_range('1949-01-01', periods=3, freq='MS')),
                                  'y': [112., 118., 132.]}
    assert "time column 'Month' -> ds" in capsys.readouterr().out
    assert "value column 'Passengers' -> y" in df.attrs['read_series']
    read_series(str(path), verbose=False)
    assert capsys.readouterr().out == ''


def test_read_series_shapes():
    s = pd.Series([1., 2.], index=pd.period_range('2000-01', periods=2, freq='M'))
    assert read_series(s, verbose=False).to_dict('list') == {
        'unique_id': ['series'] * 2, 'ds': [pd.Timestamp('2000-01-01'), pd.Timestamp('2000-02-01')], 'y': [1., 2.]}
    wide = pd.DataFrame({'a': [1., 2., np.nan], 'b': [np.nan, 5., 6.]}, index=pd.date_range('2000', periods=3, name='day'))
    out = read_series(wide, verbose=False)
    assert out.groupby('unique_id').ds.apply(list).to_dict() == {'a': list(wide.index[:2]), 'b': list(wide.index[1:])}
    long = pd.DataFrame({'shop': ['x', 'x', 'y'], 'when': ['2000-01-01', '2000-01-02', '2000-01-01'], 'sales': [1, 2, 3]})
    out = read_series(long, verbose=False)
    assert list(out.columns) == ['unique_id', 'ds', 'y'] and out.y.dtype == np.float64
    out = read_series(long.assign(price=1.), id_col='shop', time_col='when', target_col='sales', verbose=False)
    assert list(out.columns) == ['unique_id', 'ds', 'y', 'price'] and out.attrs['read_series'] == "other columns kept: ['price']"
    already = read_series(AP, verbose=False)
    pd.testing.assert_frame_equal(already, AP)
    assert already.attrs['read_series'] == 'already in long format'
    out = read_series(AP.set_index(['unique_id', 'ds'])['y'], verbose=False)
    pd.testing.assert_frame_equal(out, AP)
    exog = read_series(pd.DataFrame({'t': [0, 1, 2], 'sales': [1., 2., 3.], 'price': [3., 4., 5.]}), target_col='sales', verbose=False)
    assert exog.unique_id.unique().tolist() == ['sales'] and list(exog.columns) == ['unique_id', 'ds', 'y', 'price']
    no_time = read_series(pd.DataFrame({'a': [1., 2.]}), verbose=False)
    assert no_time.ds.tolist() == [0, 1] and 'row number' in no_time.attrs['read_series']
    # the result passes check_df
    assert check_df(read_series(wide, verbose=False), freq='D')[1] == 'D'


def test_read_series_errors():
    with pytest.raises(TypeError, match='takes a CSV path, a pd.Series or a pd.DataFrame'):
        read_series([1, 2, 3])
    with pytest.raises(ValueError, match="several text columns \\['a', 'b'\\]"):
        read_series(pd.DataFrame({'ds': [1, 2], 'a': ['x', 'y'], 'b': ['u', 'v'], 'y': [1., 2.]}))
    with pytest.raises(ValueError, match="could not parse the time column 'date'"):
        read_series(pd.DataFrame({'date': ['2000-01-01', 'not a date'], 'v': [1., 2.]}))
    with pytest.raises(ValueError, match="column 'nope' not found"):
        read_series(AP, target_col='nope')


# ---------------------------------------------------------------- bundled and synthetic data
def test_air_passengers_panel_matches_neuralforecasts_recipe():
    df, static = air_passengers_panel()
    # neuralforecast.utils: month-end dates tiled, Airline2 = y + 300, trend = range(len(panel)),
    # y_[lag12] = groupby shift(12) with the missing first 12 filled by y
    ref = pd.DataFrame({'unique_id': np.repeat(['Airline1', 'Airline2'], 144),
                        'ds': np.tile(pd.date_range('1949-01-01', periods=144, freq=pd.offsets.MonthEnd()).to_numpy(), 2),
                        'y': np.concatenate([AP.y, AP.y + 300])})
    ref['trend'] = range(len(ref))
    ref['y_[lag12]'] = ref.groupby('unique_id')['y'].shift(periods=12).reset_index(drop=True).fillna(ref['y'])
    pd.testing.assert_frame_equal(df, ref, check_dtype=False)
    assert static.to_dict('list') == {'unique_id': ['Airline1', 'Airline2'], 'airline1': [0, 1], 'airline2': [1, 0]}
    assert check_df(df, exog_cols=['trend', 'y_[lag12]'])[1] == 'ME'


def test_load_air_passengers_matches_the_reference_csv():
    ref = Path(__file__).resolve().parents[2] / 'shared' / 'data' / 'airline-passengers.csv'  # outside the repo
    if not ref.exists(): pytest.skip('reference copy not available')
    np.testing.assert_array_equal(AP.y.to_numpy(), pd.read_csv(ref).Passengers.to_numpy())
    assert AP.ds.iloc[[0, -1]].tolist() == [pd.Timestamp('1949-01-01'), pd.Timestamp('1960-12-01')]


@FAST
@given(st.integers(1, 6), st.integers(1, 30), st.integers(0, 30), st.sampled_from(['seasonal', 'ar1']), st.integers(0, 10 ** 6))
def test_synthetic_panel_shapes_and_validity(n, lo, extra, kind, seed):
    df = synthetic_panel(n_series=n, min_length=lo, max_length=lo + extra, kind=kind, seed=seed)
    sizes = df.groupby('unique_id').size()
    assert len(sizes) == n and sizes.between(lo, lo + extra).all()
    if lo >= 3: assert check_df(df)[1] == 'MS'
    pd.testing.assert_frame_equal(df, synthetic_panel(n_series=n, min_length=lo, max_length=lo + extra, kind=kind, seed=seed))


def _loop(e, phi):
    out = np.zeros_like(e)
    for t in range(len(e)): out[t] = e[t] + (phi * out[t - 1] if t else 0)
    return out


@FAST
@given(st.integers(1, 70), st.floats(-0.99, 0.99), st.integers(0, 1000))
def test_ar1_scan_equals_the_recursion(T, phi, seed):
    e = np.random.default_rng(seed).standard_normal((2, T))
    np.testing.assert_allclose(_ar1(e, np.array([phi, phi / 2])), np.stack([_loop(e[0], phi), _loop(e[1], phi / 2)]),
                               rtol=1e-9, atol=1e-9)


# ---------------------------------------------------------------- issue 15: CSVs pandas would misread, ds overflow, aliases
def _write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text)
    return str(p)


def test_semicolon_csv_with_decimal_commas_is_read_right_and_said(tmp_path, capsys):
    p = _write(tmp_path, 'eu.csv', 'Month;Passengers\n' + ''.join(f'1949-{m:02d}-01;{100 + m},5\n' for m in range(1, 13)))
    df = read_series(p)
    assert df.y.tolist() == [100.5 + m for m in range(1, 13)]  # not y = 5 read from after the comma
    assert df.ds.iloc[1] == pd.Timestamp('1949-02-01')
    assert "read CSV 'eu.csv' (separated by semicolons, decimal commas)" in capsys.readouterr().out
    tab = read_series(_write(tmp_path, 't.csv', 'ds\ty\n2000-01-01\t1.5\n2000-01-02\t2\n'), verbose=False)
    assert tab.y.tolist() == [1.5, 2.] and 'separated by tabs' in tab.attrs['read_series']


def test_rows_with_more_fields_than_the_header_are_refused(tmp_path):
    p = _write(tmp_path, 'm.csv', 'Month,Passengers\n' + ''.join(f'1949-{m:02d}-01,{100 + m},1\n' for m in range(1, 13)))
    with pytest.raises(ValueError, match=r"its rows have more fields than its header row \(e.g. '1949-01-01,101,1'\)"):
        read_series(p)


def test_to_csv_index_column_is_dropped_not_forecast(tmp_path):
    pd.DataFrame({'Month': pd.date_range('2000-01-01', periods=30, freq='MS'), 'y': np.arange(30.)}).to_csv(tmp_path / 'i.csv')
    df = read_series(str(tmp_path / 'i.csv'), verbose=False)
    assert df.unique_id.unique().tolist() == ['y'] and len(df) == 30
    assert "dropped ['Unnamed: 0']" in df.attrs['read_series']
    shuffled = pd.DataFrame({'ds': np.arange(5), 'a': [1., 2, 3, 4, 5], 'b': 2.}, index=[4, 0, 3, 1, 2])
    shuffled.to_csv(tmp_path / 's.csv')
    assert read_series(str(tmp_path / 's.csv'), verbose=False).unique_id.unique().tolist() == ['a', 'b']
    wide_dates = read_series(pd.DataFrame({'Unnamed: 0': ['2000-01-01', '2000-01-02'], 'a': [1., 2.]}), verbose=False)
    assert wide_dates.ds.iloc[1] == pd.Timestamp('2000-01-02')  # an unnamed date column is the time, not dropped


@pytest.mark.parametrize('fmt, freq, note', [('%d/%m/%Y', 'D', "read day-first (e.g. '13/01/2000' is dd/mm)"),
                                             ('%m/%d/%Y', 'D', "read month-first (e.g. '01/13/2000' is mm/dd)")])
def test_numeric_dates_with_a_field_past_12(fmt, freq, note):
    ds = pd.date_range('2000-01-01', periods=20, freq='D')
    df = read_series(pd.DataFrame({'date': ds.strftime(fmt), 'y': np.arange(20.)}), verbose=False)
    assert (df.ds.to_numpy() == ds.to_numpy()).all() and note in df.attrs['read_series']


def test_day_first_monthly_dates_are_not_read_as_daily():
    ds = pd.date_range('2000-01-01', periods=30, freq='MS')
    df = read_series(pd.DataFrame({'date': ds.strftime('%d/%m/%Y'), 'y': np.arange(30.)}), verbose=False)
    assert (df.ds.to_numpy() == ds.to_numpy()).all()
    assert 'read day-first: the only reading that gives a regular frequency' in df.attrs['read_series']
    assert check_df(df)[1] == 'MS'
    with pytest.raises(ValueError, match="the dates in 'date' are ambiguous: '01/02/2000' could be day-first"):
        read_series(pd.DataFrame({'date': ds[:12].strftime('%d/%m/%Y'), 'y': np.arange(12.)}))  # daily Jan 1-12 fits too


def test_a_directory_is_not_a_csv(tmp_path):
    with pytest.raises(ValueError, match='is a directory, not a CSV file'): read_series(str(tmp_path))


def test_guesses_are_printed_when_verbose(capsys):
    read_series(pd.DataFrame({'a': [1., 2.]}, index=pd.DatetimeIndex(['2000-01-01', '2000-01-02'], name='when')))
    out = capsys.readouterr().out
    assert "index 'when' -> column" in out and "time column 'when' -> ds" in out
    read_series(pd.DataFrame({'a': [1., 2.]}), verbose=False)
    assert capsys.readouterr().out == ''


def test_future_ds_that_overflow_are_refused():
    with pytest.raises(ValueError, match='the future ds overflow int64: the last ds 9223372036854775803 plus h=12'):
        future_dates(np.array([2**63 - 5]), 1, 12)
    df = pd.DataFrame({'unique_id': 'a', 'ds': 2**63 - 20 + np.arange(10), 'y': 1.})
    with pytest.raises(ValueError, match='shift the integer ds to start near 0'): make_future_dataframe(df, h=12)
    assert make_future_dataframe(df, h=10).ds.iloc[-1] == 2**63 - 1
    with pytest.raises(ValueError, match='the latest date pandas can represent'):
        future_dates(pd.DatetimeIndex(['2262-03-01']).as_unit('ns'), 'MS', 3)


@pytest.mark.parametrize('alias, exc, msg', [('y', ValueError, "alias='y' is reserved"), ('cutoff', ValueError, 'is reserved'),
                                             ('unique_id', ValueError, 'is reserved'), ('ds', ValueError, 'is reserved'),
                                             ('', TypeError, 'non-empty string'), (' ', TypeError, 'non-empty string'), (None, TypeError, 'got None'),
                                             (3, TypeError, 'must be a non-empty string')])
def test_check_alias(alias, exc, msg):
    with pytest.raises(exc, match=re.escape(msg)): check_alias(alias)
    assert check_alias('LSTM') == 'LSTM'
