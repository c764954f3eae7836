"lstm_forecast.windows: windows equal a naive loop, never cross a series, never leak across a split."
import warnings

import numpy as np
import pandas as pd
import pytest
import torch
from hypothesis import given, settings, strategies as st

from lstm_forecast.data import air_passengers_panel, check_df, synthetic_panel
from lstm_forecast.scalers import scale_windows
from lstm_forecast.windows import (SeriesPanel, create_dataset, gather_windows, make_windows, split_holdout, split_points,
                                   split_windows)

FAST = settings(max_examples=80, deadline=None)


def tutorial_create_dataset(dataset, lookback):
    "The PyTorch airline tutorial's function, verbatim."
    X, y = [], []
    for i in range(len(dataset) - lookback):
        feature = dataset[i:i + lookback]
        target = dataset[i + 1:i + lookback + 1]
        X.append(feature)
        y.append(target)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        return torch.tensor(X), torch.tensor(y)


def naive_windows(indptr, input_size, h, step=1, end=None, begin=None):
    "Reference: loop over series and starts; keep every step-th start counted back from the last."
    out = []
    for s in range(len(indptr) - 1):
        lo, hi = int(indptr[s]), int(indptr[s + 1])
        if end is not None: hi = int(end[s])
        first_target = lo + input_size if begin is None else max(int(begin[s]), lo + input_size)
        starts = [t for t in range(lo, hi) if t + input_size >= first_target and t + input_size + h <= hi]
        last = starts[-1] if starts else None
        out += [(s, t) for t in starts if (last - t) % step == 0]
    return out


ragged = st.lists(st.integers(0, 30), min_size=1, max_size=8)


def indptr_of(lengths):
    return torch.tensor(np.concatenate([[0], np.cumsum(lengths)]), dtype=torch.long)


@st.composite
def bounds(draw, lengths):
    "Random per-series begin <= end inside each series (global rows)."
    ip = indptr_of(lengths)
    begin, end = [], []
    for s, n in enumerate(lengths):
        a = draw(st.integers(0, n)); b = draw(st.integers(a, n))
        begin.append(int(ip[s]) + a); end.append(int(ip[s]) + b)
    return torch.tensor(begin), torch.tensor(end)


# ---------------------------------------------------------------- create_dataset
@FAST
@given(st.integers(2, 60), st.integers(1, 3), st.booleans(), st.data())
def test_create_dataset_equals_the_tutorial_loop(n, features, one_d, data):
    lookback = data.draw(st.integers(1, n - 1))
    arr = np.random.default_rng(n).standard_normal((n,) if one_d else (n, features)).astype('float32')
    X, y = create_dataset(arr, lookback)
    X_ref, y_ref = tutorial_create_dataset(arr, lookback)
    assert X.shape == X_ref.shape and y.shape == y_ref.shape
    assert torch.equal(X, X_ref) and torch.equal(y, y_ref)
    assert X.untyped_storage().data_ptr() == y.untyped_storage().data_ptr()  # both views of arr


def test_create_dataset_tutorial_shapes_and_errors():
    from lstm_forecast.data import load_air_passengers
    ts = load_air_passengers()[['y']].to_numpy().astype('float32')
    train_size = int(len(ts) * 0.67)
    assert create_dataset(ts[:train_size], 1)[0].shape == torch.Size([95, 1, 1])
    assert create_dataset(ts[train_size:], 1)[1].shape == torch.Size([47, 1, 1])
    with pytest.raises(ValueError, match='lookback=5 needs at least 6 time steps, dataset has 5'):
        create_dataset(ts[:5], 5)
    with pytest.raises(ValueError, match='lookback=0 must be a positive integer'):
        create_dataset(ts, 0)


# ---------------------------------------------------------------- make_windows / gather_windows
@FAST
@given(ragged, st.integers(1, 6), st.integers(0, 4), st.integers(1, 4))
def test_make_windows_equals_naive_loop(lengths, input_size, h, step):
    ip = indptr_of(lengths)
    w = make_windows(ip, input_size, h, step)
    assert list(zip(w.series.tolist(), w.start.tolist())) == naive_windows(ip, input_size, h, step)
    assert w.series.dtype == w.start.dtype == torch.long


@FAST
@given(ragged.flatmap(lambda ls: st.tuples(st.just(ls), bounds(ls))), st.integers(1, 5), st.integers(1, 3), st.integers(1, 3))
def test_make_windows_with_bounds_equals_naive_loop(case, input_size, h, step):
    lengths, (begin, end) = case
    ip = indptr_of(lengths)
    w = make_windows(ip, input_size, h, step, end=end, begin=begin)
    assert list(zip(w.series.tolist(), w.start.tolist())) == naive_windows(ip, input_size, h, step, end=end, begin=begin)
    # no target at or after end, none before begin
    assert ((w.start + input_size + h) <= end[w.series]).all() and (w.target_start >= begin[w.series]).all()


@FAST
@given(ragged, st.integers(1, 6), st.integers(0, 4), st.integers(1, 3), st.integers(1, 3))
def test_no_window_crosses_a_series_and_gather_equals_slicing(lengths, input_size, h, step, channels):
    ip = indptr_of(lengths)
    w = make_windows(ip, input_size, h, step)
    assert (w.start >= ip[:-1][w.series]).all() and (w.start + input_size + h <= ip[1:][w.series]).all()
    values = torch.randn(int(ip[-1]), channels)
    x = gather_windows(values, w.start, input_size, h)
    assert x.shape == (len(w), input_size + h, channels) and x.is_contiguous()
    for i, t in enumerate(w.start.tolist()):
        assert torch.equal(x[i], values[t:t + input_size + h])
    # every value of a window belongs to its own series: tag rows with their series id
    tag = torch.repeat_interleave(torch.arange(len(lengths)), torch.tensor(lengths)).float()[:, None]
    if len(w): assert (gather_windows(tag, w.start, input_size, h)[..., 0] == w.series[:, None]).all()


def test_make_windows_and_gather_errors():
    ip = torch.tensor([0, 5, 9])
    with pytest.raises(ValueError, match='step=0 must be an integer >= 1'):
        make_windows(ip, 2, 1, step=0)
    with pytest.raises(ValueError, match='end must have one entry per series \\(2\\)'):
        make_windows(ip, 2, 1, end=torch.tensor([3]))
    with pytest.raises(ValueError, match='begin\\[1\\]=2 is outside series 1 \\(rows 5..9\\)'):
        make_windows(ip, 2, 1, begin=torch.tensor([0, 2]))
    with pytest.raises(ValueError, match='indptr must be non-decreasing'):
        make_windows(torch.tensor([0, 5, 3]), 2, 1)
    with pytest.raises(ValueError, match='values must be \\[T, C\\]'):
        gather_windows(torch.zeros(9), torch.tensor([0]), 2, 1)
    with pytest.raises(ValueError, match='window start -1'):
        gather_windows(torch.zeros(9, 1), torch.tensor([-1]), 2, 1)


def test_windows_cost_two_integers_each_and_gather_copies_only_the_batch():
    ip = torch.tensor([0, 100_000])
    w = make_windows(ip, 64, 12)
    assert len(w) == 100_000 - 76 + 1
    assert w.start.untyped_storage().nbytes() + w.series.untyped_storage().nbytes() == 16 * len(w)
    values = torch.randn(100_000, 2)
    x = gather_windows(values, w.start[:32], 64, 12)
    assert x.untyped_storage().nbytes() == 32 * 76 * 2 * 4


# ---------------------------------------------------------------- splits and leakage
@FAST
@given(st.lists(st.integers(12, 40), min_size=1, max_size=6), st.integers(1, 4), st.integers(1, 3), st.integers(0, 5),
       st.integers(0, 5), st.integers(1, 3), st.sampled_from(['standard', 'robust', 'minmax']), st.integers(0, 10 ** 6))
def test_no_leakage_across_a_chronological_split(lengths, input_size, h, val_size, test_size, step, kind, seed):
    ip = indptr_of(lengths)
    val_start, test_start = split_points(ip, val_size, test_size)
    train, val, test = split_windows(ip, input_size, h, val_size, test_size, step)
    values = torch.randn(int(ip[-1]), 2, generator=torch.Generator().manual_seed(seed))
    # rows at or after the validation start of their series
    row_series = torch.repeat_interleave(torch.arange(len(lengths)), torch.tensor(lengths))
    rows = torch.arange(int(ip[-1]))
    future = rows >= val_start[row_series]
    changed = values.clone(); changed[future] = changed[future] * 100 + 7
    a, b = gather_windows(values, train.start, input_size, h), gather_windows(changed, train.start, input_size, h)
    assert torch.equal(a, b)  # no training window sees any value of the validation or test part
    for x, y in zip(scale_windows(a, input_size, kind), scale_windows(b, input_size, kind)):
        assert torch.equal(x, y)
    # validation windows see nothing of the test part
    test_rows = rows >= test_start[row_series]
    changed = values.clone(); changed[test_rows] = -changed[test_rows] - 3
    assert torch.equal(gather_windows(values, val.start, input_size, h), gather_windows(changed, val.start, input_size, h))
    # targets of each part lie inside that part
    assert (val.target_start >= val_start[val.series]).all() and (test.target_start >= test_start[test.series]).all()
    assert (train.start + input_size + h <= val_start[train.series]).all()


def test_split_points_fractions_and_errors():
    ip = torch.tensor([0, 10, 30])
    val_start, test_start = split_points(ip, val_size=0.2, test_size=0.1)
    assert test_start.tolist() == [9, 28] and val_start.tolist() == [7, 24]
    with pytest.raises(ValueError, match='series 0 has 10 rows; val_size=5 and test_size=5 leave none to train on'):
        split_points(ip, 5, 5)
    with pytest.raises(ValueError, match='val_size=1.5 must be a row count'):
        split_points(ip, 1.5)


@FAST
@given(st.lists(st.integers(2, 30), min_size=1, max_size=5), st.integers(1, 12), st.integers(0, 10 ** 6))
def test_split_holdout_keeps_the_last_h_of_each_series(lengths, h, seed):
    df = pd.concat([pd.DataFrame({'unique_id': f'u{i}', 'ds': np.arange(n), 'y': np.arange(n, dtype=float)})
                    for i, n in enumerate(lengths)]).sample(frac=1, random_state=seed)
    if min(lengths) <= h:
        with pytest.raises(ValueError, match='leaves nothing to train on'):
            split_holdout(df, h)
        return
    before = df.copy()
    train, test = split_holdout(df, h)
    pd.testing.assert_frame_equal(df, before)
    assert len(train) + len(test) == len(df)
    assert (test.groupby('unique_id').size() == h).all()
    last = df.groupby('unique_id').ds.max()
    assert (test.ds.to_numpy() > last[test.unique_id].to_numpy() - h).all()
    assert (train.ds.to_numpy() <= last[train.unique_id].to_numpy() - h).all()


# ---------------------------------------------------------------- SeriesPanel
def test_series_panel_from_df():
    df, static = air_passengers_panel()
    p = SeriesPanel.from_df(df, hist_exog_list=['y_[lag12]'], futr_exog_list=['trend'], static_df=static)
    assert p.columns == ['y', 'y_[lag12]', 'trend'] and p.stat_exog_list == ('airline1', 'airline2')
    assert p.values.dtype == torch.float32 and p.values.shape == (288, 3) and p.values.is_contiguous()
    np.testing.assert_array_equal(p.values.numpy(), df[['y', 'y_[lag12]', 'trend']].to_numpy(np.float32))
    assert p.ids.tolist() == ['Airline1', 'Airline2'] and p.n_series == 2 and p.lengths.tolist() == [144, 144]
    assert (p.last_ds == np.datetime64('1960-12-31')).all() and len(p.last_ds) == 2 and p.freq == 'ME'
    assert p.static.tolist() == [[0., 1.], [1., 0.]]
    p.values[0, 0] = -1.  # the panel owns its memory
    assert df.y.iloc[0] == 112.
    b = p.batch(make_windows(p.indptr, 24, 12))
    assert b['hist_exog'].shape[1:] == (24, 1) and b['futr_exog'].shape[1:] == (36, 1) and b['stat_exog'].shape[1] == 2


def test_series_panel_on_a_ragged_synthetic_panel():
    df, freq = check_df(synthetic_panel(n_series=5, min_length=10, max_length=50, freq='D', seed=2))
    p = SeriesPanel.from_df(df, freq=freq)
    assert p.lengths.tolist() == df.groupby('unique_id').size().tolist() and p.indptr[-1] == len(df)
    w = make_windows(p.indptr, 5, 3)
    y = p.batch(w)['outsample_y']
    ref = np.stack([df.y.to_numpy()[t + 5:t + 8] for t in w.start.tolist()]).astype('float32')
    np.testing.assert_array_equal(y.numpy(), ref)


def test_series_panel_errors():
    df, static = air_passengers_panel()
    with pytest.raises(ValueError, match="missing column\\(s\\) \\['price'\\]"):
        SeriesPanel.from_df(df, hist_exog_list=['price'])
    with pytest.raises(ValueError, match="\\['trend'\\] are in both"):
        SeriesPanel.from_df(df, hist_exog_list=['trend'], futr_exog_list=['trend'])
    with pytest.raises(ValueError, match='not sorted'):
        SeriesPanel.from_df(df.sample(frac=1, random_state=0))
    with pytest.raises(ValueError, match="several rows for series 'Airline1'"):
        SeriesPanel.from_df(df, static_df=pd.concat([static, static.iloc[:1]]))
    with pytest.raises(ValueError, match='needs static_df'):
        SeriesPanel.from_df(df, stat_exog_list=['airline1'])
