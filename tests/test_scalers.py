"lstm_forecast.scalers: statistics from the allowed part only, exact inverses, the zero-scale rule."
import warnings

import numpy as np
import pandas as pd
import pytest
import torch
from hypothesis import given, settings, strategies as st
from hypothesis.extra.numpy import arrays

from lstm_forecast.data import air_passengers_panel, synthetic_panel
from lstm_forecast.scalers import KINDS, SeriesScaler, inverse_scale, inverse_scale_std, scale_windows
from lstm_forecast.windows import split_holdout

FAST = settings(max_examples=80, deadline=None)
finite = st.floats(-1e4, 1e4, allow_nan=False, width=32)


@st.composite
def windows(draw):
    B, L, h, C = draw(st.integers(1, 5)), draw(st.integers(1, 10)), draw(st.integers(0, 5)), draw(st.integers(1, 3))
    x = draw(arrays(np.float32, (B, L + h, C), elements=finite))
    if draw(st.booleans()):  # some constant windows
        x[0] = x[0, :1]
    mask = draw(arrays(np.bool_, (B, L + h))) if draw(st.booleans()) else None
    return torch.from_numpy(x), L, None if mask is None else torch.from_numpy(mask)


def reference(x, L, kind, mask=None, eps=1e-13):
    "numpy reference of the per-window statistics"
    a = x[:, :L].double().numpy().copy()
    if mask is not None: a[~mask[:, :L].numpy()] = np.nan
    with np.errstate(all='ignore'), warnings.catch_warnings():
        warnings.simplefilter('ignore')  # all-NaN slices
        if kind == 'identity': loc, scale = np.zeros_like(a[:, :1]), np.ones_like(a[:, :1])
        elif kind == 'standard': loc = np.nanmean(a, 1, keepdims=True); scale = np.sqrt(np.nanmean((a - loc) ** 2, 1, keepdims=True))
        elif kind == 'robust': loc = np.nanmedian(a, 1, keepdims=True); scale = np.nanmedian(np.abs(a - loc), 1, keepdims=True)
        else: loc = np.nanmin(a, 1, keepdims=True); scale = np.nanmax(a, 1, keepdims=True) - loc
    empty = np.isnan(loc)
    loc, scale = np.where(empty, 0., loc), np.where(empty, 1., scale)
    return loc, np.where(scale <= eps * np.abs(loc) + np.finfo(np.float32).tiny, 1., scale)  # relative zero-scale rule


@FAST
@given(windows(), st.sampled_from(KINDS))
def test_scale_windows_matches_numpy_and_round_trips(case, kind):
    x, L, mask = case
    xs, loc, scale = scale_windows(x, L, kind, mask=mask)
    ref_loc, ref_scale = reference(x, L, kind, mask)
    np.testing.assert_allclose(loc.double().numpy(), ref_loc, rtol=1e-5, atol=1e-3)
    np.testing.assert_allclose(scale.double().numpy(), ref_scale, rtol=1e-5, atol=1e-3)
    assert (scale > 0).all() and loc.shape == scale.shape == (x.shape[0], 1, x.shape[2])
    back = inverse_scale(xs, loc, scale)
    np.testing.assert_allclose(back.numpy(), x.numpy(), rtol=1e-5, atol=1e-6 * float(x.abs().max() + 1) * 10)


@FAST
@given(windows(), st.sampled_from(KINDS), st.integers(0, 10 ** 6))
def test_targets_never_enter_the_statistics(case, kind, seed):
    x, L, mask = case
    future = x.clone()
    future[:, L:] = torch.randn(future[:, L:].shape, generator=torch.Generator().manual_seed(seed)) * 1e3
    a, b = scale_windows(x, L, kind, mask=mask), scale_windows(future, L, kind, mask=mask)
    assert torch.equal(a[1], b[1]) and torch.equal(a[2], b[2]) and torch.equal(a[0][:, :L], b[0][:, :L])


def test_zero_scale_rule_and_constant_float32_windows():
    x = torch.full((3, 10, 2), 123456.7)  # float32 constant: float64 accumulation gives an exact 0 spread
    for kind in KINDS[1:]:
        xs, loc, scale = scale_windows(x, 6, kind)
        assert torch.equal(scale, torch.ones_like(scale)) and torch.equal(xs, torch.zeros_like(xs))
    tiny = torch.tensor([[[0.], [1e-9], [0.], [1e-9]]], dtype=torch.float64)
    assert scale_windows(tiny, 4, 'standard')[2].item() == pytest.approx(5e-10)  # small values that vary are scaled
    flat = torch.tensor([[[1.], [1 + 1e-14], [1.], [1 + 1e-14]]], dtype=torch.float64)
    assert scale_windows(flat, 4, 'standard')[2].item() == 1.  # spread <= eps·|loc|: treated as constant
    assert scale_windows(flat, 4, 'standard', eps=1e-16)[2].item() == pytest.approx(5e-15)


@FAST
@given(st.integers(1, 4), st.integers(1, 6), st.integers(1, 5), st.sampled_from(KINDS[1:]))
def test_quantiles_and_std_map_back_exactly(B, h, Q, kind):
    g = torch.Generator().manual_seed(B * 100 + h)
    x = torch.randn(B, 12 + h, 1, generator=g) * 50 + 300
    _, loc, scale = scale_windows(x, 12, kind)
    mu, sd = torch.randn(B, h, generator=g), torch.rand(B, h, generator=g) + .1
    z = torch.linspace(-2, 2, Q)
    q = mu[..., None] + sd[..., None] * z  # quantiles of Normal(mu, sd) in scaled units: [B, h, Q]
    q_back = inverse_scale(q, loc, scale)
    expected = inverse_scale(mu, loc, scale)[..., None] + inverse_scale_std(sd, scale)[..., None] * z
    torch.testing.assert_close(q_back, expected, rtol=1e-5, atol=1e-3)
    assert (q_back.diff(dim=-1) >= 0).all()  # order of quantiles kept (scale > 0)
    paths = torch.randn(7, B, h, generator=g)
    torch.testing.assert_close(inverse_scale(paths, loc[..., 0], scale[..., 0]), paths * scale[..., 0] + loc[..., 0])


def test_scale_windows_errors():
    x = torch.zeros(2, 5, 1)
    with pytest.raises(ValueError, match="kind='zscore' is not a scaler"):
        scale_windows(x, 3, 'zscore')
    with pytest.raises(ValueError, match='n_input=6 must be between 1 and the window length 5'):
        scale_windows(x, 6)
    with pytest.raises(ValueError, match='x must be \\[B, L\\+h, C\\]'):
        scale_windows(x[..., 0], 3)
    assert scale_windows(x[:0], 3, "robust")[1].shape == (0, 1, 1)  # empty batch
    with pytest.raises(ValueError, match='floating point'):
        scale_windows(x.long(), 3)
    with pytest.raises(ValueError, match='pass loc\\[..., :1\\]'):
        inverse_scale(torch.zeros(2, 3), torch.zeros(2, 1, 2), torch.ones(2, 1, 2))


# ---------------------------------------------------------------- SeriesScaler
@FAST
@given(st.sampled_from(KINDS), st.integers(1, 5), st.integers(0, 10 ** 6), st.booleans())
def test_series_scaler_round_trip_and_training_span_statistics(kind, n, seed, constant):
    df = synthetic_panel(n_series=n, min_length=20, max_length=40, seed=seed).assign(x=lambda d: d.y * 2)
    if constant: df.loc[df.unique_id == 'S0', 'y'] = 5.
    train, test = split_holdout(df, h=5)
    before = train.copy()
    sc = SeriesScaler(kind, cols=['y', 'x']).fit(train)
    pd.testing.assert_frame_equal(train, before)
    g = train.groupby('unique_id')
    ref = {'identity': (g.y.size() * 0., g.y.size() * 0. + 1),
           'standard': (g.y.mean(), g.y.std(ddof=0)),
           'robust': (g.y.median(), (train.y - g.y.transform('median')).abs().groupby(train.unique_id).median()),
           'minmax': (g.y.min(), g.y.max() - g.y.min())}[kind]
    np.testing.assert_allclose(sc.loc_['y'].to_numpy(), ref[0].to_numpy())
    np.testing.assert_allclose(sc.scale_['y'].to_numpy(), np.where(ref[1].to_numpy() <= 1e-8, 1., ref[1].to_numpy()))
    if constant: assert sc.scale_.loc['S0', 'y'] == 1.
    # the round trip is exact, on the training and on the held-out span
    for part in (train, test):
        out = sc.transform(part)
        assert out is not part and list(out.columns) == list(part.columns)
        back = sc.inverse_transform(out)
        np.testing.assert_allclose(back[['y', 'x']].to_numpy(), part[['y', 'x']].to_numpy(), rtol=1e-12, atol=1e-9)


def test_series_scaler_statistics_ignore_everything_after_the_training_span():
    df, _ = air_passengers_panel()
    train, test = split_holdout(df, h=12)
    a = SeriesScaler('robust').fit(train)
    changed = pd.concat([train, test.assign(y=test.y * 1000)])
    b = SeriesScaler('robust').fit(split_holdout(changed, h=12)[0])
    pd.testing.assert_frame_equal(a.loc_, b.loc_)
    pd.testing.assert_frame_equal(a.scale_, b.scale_)


def test_series_scaler_forecast_columns_and_errors():
    df, _ = air_passengers_panel()
    sc = SeriesScaler('minmax').fit(df)
    fc = df[['unique_id', 'ds']].assign(LSTM=1., **{'LSTM-lo-80': 0.}, sd=.5)
    back = sc.inverse_transform(fc, cols=['LSTM', 'LSTM-lo-80'], std_cols=['sd'])
    mx, mn = df.groupby('unique_id').y.max(), df.groupby('unique_id').y.min()
    np.testing.assert_allclose(back.groupby('unique_id').LSTM.first(), mx.to_numpy())
    np.testing.assert_allclose(back.groupby('unique_id')['LSTM-lo-80'].first(), mn.to_numpy())
    np.testing.assert_allclose(back.groupby('unique_id').sd.first(), ((mx - mn) / 2).to_numpy())
    with pytest.raises(ValueError, match='not fitted yet'):
        SeriesScaler().transform(df)
    with pytest.raises(ValueError, match="series 'X' was not seen in fit"):
        sc.transform(df.assign(unique_id='X'))
    with pytest.raises(ValueError, match="missing column\\(s\\) \\['price'\\]"):
        SeriesScaler(cols=['y', 'price']).fit(df)
    with pytest.raises(ValueError, match="statistics of 'y', which was not fitted"):
        SeriesScaler(cols=['trend']).fit(df).inverse_transform(fc, cols=['LSTM'])
