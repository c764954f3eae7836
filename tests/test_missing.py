"""Missing values and gaps (issue 16): fill_gaps completes grids; masks, windows, scalers, losses and training ignore
whatever the missing positions hold, and nothing they return is NaN."""
import dataclasses
import warnings

import numpy as np
import pandas as pd
import pytest
import torch
from hypothesis import given, settings, strategies as st

from lstm_forecast.data import check_df, fill_gaps, load_air_passengers, synthetic_panel
from lstm_forecast.losses import MAE, MSE, DistributionLoss, Huber, MQLoss
from lstm_forecast.model import LSTMNet
from lstm_forecast.scalers import KINDS, SeriesScaler, scale_windows
from lstm_forecast.train import TrainConfig, TrainingDiverged, set_seed, train, validation_loss
from lstm_forecast.windows import MIN_AVAILABLE, SeriesPanel, gather_windows, make_windows

FAST = settings(max_examples=60, deadline=None)
AP = load_air_passengers()


# ---------------------------------------------------------------- fill_gaps
FREQS = ['MS', 'D', 'W-SUN', 'h', '2MS', 'B', 'QS', 3]


@FAST
@given(st.sampled_from(FREQS), st.integers(1, 4), st.integers(0, 10 ** 6))
def test_fill_gaps_restores_the_grid_and_keeps_the_observed_rows(freq, n_series, seed):
    full = synthetic_panel(n_series=n_series, min_length=3, max_length=40, freq=freq, seed=seed % 1000)
    full['z'] = np.arange(len(full))  # an integer column: it becomes float, holding NaN in the added rows
    rng = np.random.default_rng(seed)
    drop = rng.random(len(full)) < 0.3
    gappy = full[~drop].sample(frac=1, random_state=seed % 1000)  # any order
    before = gappy.copy()
    out = fill_gaps(gappy, freq=freq)
    pd.testing.assert_frame_equal(gappy, before)  # the input is left alone
    # the expected grid: every row of the full panel between each series' first and last kept row
    kept = full[~drop]
    bounds = kept.groupby('unique_id')['ds'].agg(['min', 'max'])
    lo, hi = bounds['min'].reindex(full.unique_id).to_numpy(), bounds['max'].reindex(full.unique_id).to_numpy()
    expected = full[(full.ds.to_numpy() >= lo) & (full.ds.to_numpy() <= hi)].reset_index(drop=True)
    assert out[['unique_id', 'ds']].equals(expected[['unique_id', 'ds']])
    was_kept = ~drop[(full.ds.to_numpy() >= lo) & (full.ds.to_numpy() <= hi)]
    np.testing.assert_array_equal(out.y.to_numpy()[was_kept], expected.y.to_numpy()[was_kept])
    assert out.y.isna().to_numpy().tolist() == (~was_kept).tolist()
    assert out.z.isna().sum() == (~was_kept).sum()
    if len(out): check_df(out, freq=freq, allow_missing=True)  # the filled frame passes the grid check


def test_fill_gaps_agrees_with_utilsforecast_per_series():
    up = pytest.importorskip('utilsforecast.preprocessing')
    full = synthetic_panel(n_series=5, min_length=20, max_length=60, freq='W-SUN', seed=3)
    gappy = full[np.random.default_rng(0).random(len(full)) > 0.25]
    theirs = up.fill_gaps(gappy, freq='W-SUN', start='per_serie', end='per_serie')
    theirs = theirs.sort_values(['unique_id', 'ds'], ignore_index=True)
    pd.testing.assert_frame_equal(fill_gaps(gappy, 'W-SUN'), theirs[['unique_id', 'ds', 'y']], check_dtype=False)


def test_fill_gaps_keeps_types_and_infers_the_frequency():
    tz = AP.assign(ds=AP.ds.dt.tz_localize('Europe/Berlin'), unique_id=AP.unique_id.astype('category'))
    out = fill_gaps(tz.drop(index=[5, 6, 70]))
    assert out.ds.dtype == tz.ds.dtype and out.unique_id.dtype == tz.unique_id.dtype
    assert out.ds.equals(tz.ds) and out.y.isna().sum() == 3
    assert fill_gaps(AP).equals(AP)  # complete: unchanged


@pytest.mark.parametrize('bad, kw, err, msg', [
    (lambda: AP.y, {}, TypeError, 'fill_gaps expects a long pandas DataFrame'),
    (lambda: AP.drop(columns='ds'), {}, ValueError, "df is missing column(s) ['ds']"),
    (lambda: pd.concat([AP, AP.iloc[[3]]]), {}, ValueError, 'duplicate (unique_id, ds) rows'),
    (lambda: AP.assign(ds=AP.ds.where(AP.index != 7, pd.Timestamp('1949-08-15'))), dict(freq='MS'), ValueError,
     "series 'AirPassengers' has ds=1949-08-15, which is not a whole number of freq='MS' steps"),
    (lambda: AP.assign(ds=np.arange(144) * 2), dict(freq='MS'), ValueError, 'does not match the integer ds'),
])
def test_fill_gaps_refuses_what_it_cannot_fill(bad, kw, err, msg):
    with pytest.raises(err) as e: fill_gaps(bad(), **kw)
    assert msg in str(e.value)


def test_a_finer_freq_fills_the_steps_in_between():
    daily = fill_gaps(AP.iloc[:3], freq='D')  # month starts lie on the daily grid: the days between are added
    assert len(daily) == 31 + 28 + 1 and daily.y.notna().sum() == 3


def test_the_gap_message_lists_the_missing_dates_and_names_fill_gaps():
    with pytest.raises(ValueError) as e: check_df(AP.drop(index=range(30, 40)))
    assert ("series 'AirPassengers' has a gap: 1951-07-01, 1951-08-01, 1951-09-01 and 7 more are missing "
            "(after 1951-06-01 comes 1952-05-01)") in str(e.value)
    assert "fill_gaps(df, freq='MS')" in str(e.value)
    with pytest.raises(ValueError, match=r'gap: 4 and 6 are missing \(after 2 comes 8\)'):
        check_df(pd.DataFrame({'unique_id': 1, 'ds': [0, 2, 8, 10], 'y': 1.}))
    secs = pd.DataFrame({'unique_id': 'a', 'y': 1., 'ds': pd.to_datetime(['2000-01-01 00:00:00', '2000-01-01 00:00:01',
                                                                          '2000-01-02 00:00:00'])})
    with pytest.raises(ValueError, match='2000-01-01 00:00:02, 2000-01-01 00:00:03, 2000-01-01 00:00:04 and 86395 more'):
        check_df(secs, freq='s')  # a long gap is counted, not listed


def test_check_df_allow_missing():
    holes = AP.assign(y=AP.y.where(AP.index % 7 != 0), price=np.where(AP.index % 5 == 0, np.nan, 1.))
    out, _ = check_df(holes, exog_cols=['price'], allow_missing=True)
    assert out.y.isna().sum() == holes.y.isna().sum() and out.price.isna().sum() == 29
    with pytest.raises(ValueError, match="column 'y' has 21 non-finite values"): check_df(holes)
    with pytest.raises(ValueError, match="column 'price' has 1 infinite values"):
        check_df(holes.assign(price=np.where(AP.index == 3, np.inf, 1.)), exog_cols=['price'], allow_missing=True)
    with pytest.raises(ValueError, match="series 'B' has no observed y: all its 144 values are missing"):
        check_df(pd.concat([AP, AP.assign(unique_id='B', y=np.nan)]), allow_missing=True)


# ---------------------------------------------------------------- windows
@st.composite
def holey_panels(draw, n_exog=(0, 2)):
    "A panel with random NaN in y and in exogenous columns, and the same panel with the NaN replaced by garbage"
    seed = draw(st.integers(0, 10 ** 6))
    df = synthetic_panel(n_series=draw(st.integers(1, 3)), min_length=30, max_length=50, seed=seed % 1000)
    rng = np.random.default_rng(seed)
    nh, nf = draw(st.integers(*n_exog)), draw(st.integers(*n_exog))
    hist, futr = [f'h{i}' for i in range(nh)], [f'f{i}' for i in range(nf)]
    for c in hist + futr: df[c] = rng.normal(size=len(df))
    p = draw(st.sampled_from([0.05, 0.3, 0.6]))
    for c in ['y'] + hist + futr: df[c] = df[c].where(rng.random(len(df)) > p)
    df.loc[df.groupby('unique_id').head(1).index, 'y'] = 1.  # every series observes something
    panel = SeriesPanel.from_df(check_df(df, exog_cols=hist + futr, allow_missing=True)[0], hist_exog_list=hist,
                                futr_exog_list=futr, freq='MS')
    garbage = torch.from_numpy(rng.normal(0, 1e4, panel.values.shape).astype('float32'))
    other = dataclasses.replace(panel, values=torch.where(panel.mask, panel.values, garbage)
                                if panel.mask is not None else panel.values)
    return panel, other


def naive_available(indptr, L, h, avail, min_available):
    "Reference: every window, then a loop that counts its observed inputs and targets"
    w = make_windows(indptr, L, h)
    keep = [int(avail[s:s + L].sum()) >= max(1, np.ceil(min_available * L - 1e-9)) and (h == 0 or avail[s + L:s + L + h].any())
            for s in w.start.tolist()]
    return w.start[torch.tensor(keep, dtype=torch.bool)].tolist() if len(keep) else []


@FAST
@given(st.lists(st.integers(0, 30), min_size=1, max_size=5), st.integers(1, 8), st.integers(0, 4),
       st.sampled_from([0., 0.25, MIN_AVAILABLE, 1.]), st.integers(0, 10 ** 6))
def test_availability_windows_equal_a_loop(lengths, L, h, min_available, seed):
    indptr = torch.tensor(np.concatenate([[0], np.cumsum(lengths)]))
    avail = torch.from_numpy(np.random.default_rng(seed).random(int(indptr[-1])) > 0.4)
    w = make_windows(indptr, L, h, available=avail, min_available=min_available)
    assert w.start.tolist() == naive_available(indptr, L, h, avail, min_available)


@FAST
@given(holey_panels())
def test_model_inputs_do_not_depend_on_the_missing_values(panels):
    a, b = panels
    w = make_windows(a.indptr, 12, 4) if a.mask is None else make_windows(a.indptr, 12, 4, available=a.mask[:, 0])
    avail = None if a.mask is None else gather_windows(a.mask, w.start, 12, 4)
    outs = []
    for p in (a, b):
        x = gather_windows(p.values, w.start, 12, 4)
        xs, loc, scale = scale_windows(x, 12, 'robust', mask=avail)
        outs.append((loc, scale, p.inputs(xs, w.series, 12, available=avail)))
    (la, sa, ia), (lb, sb, ib) = outs
    assert torch.equal(la, lb) and torch.equal(sa, sb)
    for k in ia:
        assert (ia[k] is None) == (ib[k] is None)
        if ia[k] is not None: assert torch.equal(ia[k], ib[k]) and torch.isfinite(ia[k]).all(), k
    if a.mask is not None:  # the availability channel is the last historic column
        assert torch.equal(ia['hist_exog'][..., -1], avail[:, :12, 0].float())


def test_panel_mask_and_batch_masks():
    holes = AP.assign(y=AP.y.where(AP.index % 10 != 3))
    p = SeriesPanel.from_df(check_df(holes, allow_missing=True)[0])
    assert p.mask.shape == (144, 1) and int((~p.mask).sum()) == 15 and '15 missing values' in repr(p)
    assert SeriesPanel.from_df(AP).mask is None  # complete: no mask at all
    b = p.batch(make_windows(p.indptr, 24, 12))
    assert torch.equal(b['outsample_mask'], ~b['outsample_y'].isnan())
    assert torch.equal(b['insample_mask'], ~b['insample_y'].isnan())
    with pytest.raises(ValueError, match=r'available must have one entry per row \(144\)'):
        make_windows(p.indptr, 24, 12, available=p.mask)


# ---------------------------------------------------------------- scalers
@FAST
@given(st.integers(1, 6), st.integers(1, 12), st.integers(0, 4), st.sampled_from(KINDS), st.integers(0, 10 ** 6))
def test_statistics_are_those_of_the_observed_inputs(B, L, h, kind, seed):
    g = np.random.default_rng(seed)
    x = torch.from_numpy(g.normal(50, 10, (B, L + h, 2)).astype('float32'))
    seen = torch.from_numpy(g.random((B, L + h, 2)) > 0.4)
    _, loc_nan, scale_nan = scale_windows(x.masked_fill(~seen, float('nan')), L, kind)
    _, loc_any, scale_any = scale_windows(x.masked_fill(~seen, 1e5), L, kind, mask=seen)
    assert torch.equal(loc_nan, loc_any) and torch.equal(scale_nan, scale_any)
    for i in range(B):
        for c in range(2):
            obs = x[i, :L, c][seen[i, :L, c]]
            if not len(obs): assert loc_nan[i, 0, c] == 0 and scale_nan[i, 0, c] == 1; continue
            _, l1, s1 = scale_windows(obs[None, :, None], len(obs), kind)
            torch.testing.assert_close((loc_nan[i, 0, c], scale_nan[i, 0, c]), (l1[0, 0, 0], s1[0, 0, 0]))


@pytest.mark.parametrize('kind', KINDS)
def test_series_scaler_uses_the_observed_values(kind):
    df = synthetic_panel(n_series=3, seed=2)
    holes = df.assign(y=df.y.where(np.random.default_rng(0).random(len(df)) > 0.3))
    a = SeriesScaler(kind).fit(holes)
    b = SeriesScaler(kind).fit(holes.dropna())
    pd.testing.assert_frame_equal(a.loc_, b.loc_) and pd.testing.assert_frame_equal(a.scale_, b.scale_)
    assert a.transform(holes).y.isna().equals(holes.y.isna())


# ---------------------------------------------------------------- losses
LOSSES = [MAE(), MSE(), Huber(delta=0.5), MQLoss(level=(80, 90)), DistributionLoss('Normal'), DistributionLoss('StudentT')]


@FAST
@given(st.sampled_from(LOSSES), st.integers(1, 5), st.integers(1, 6), st.floats(0, 1), st.integers(0, 10 ** 6),
       st.sampled_from([float('nan'), 0., -1e6, 1e30]))
def test_masked_targets_do_not_matter_in_any_loss(loss, B, h, p, seed, fill):
    g = torch.Generator().manual_seed(seed)
    y = torch.randn(B, h, generator=g)
    seen = torch.rand(B, h, generator=g) >= p
    grads = []
    for target in (y.masked_fill(~seen, float('nan')), y.masked_fill(~seen, fill)):
        raw = torch.randn(B, h, loss.outputsize_multiplier, generator=torch.Generator().manual_seed(seed), requires_grad=True)
        l = loss(target, raw, seen)
        l.backward()
        assert torch.isfinite(l) and torch.isfinite(raw.grad).all()
        assert not raw.grad[~seen].any()  # exactly zero where the target is missing
        grads.append((l.detach(), raw.grad))
    assert torch.equal(grads[0][0], grads[1][0]) and torch.equal(grads[0][1], grads[1][1])
    if seen.any():
        torch.testing.assert_close(grads[0][0], loss(y[seen][None], raw.detach()[seen][None]))
    else: assert grads[0][0] == 0


# ---------------------------------------------------------------- training end to end
class PanelBatches:
    "What the forecaster will build: scaled windows of a panel, missing inputs zeroed, an availability channel, masked targets"
    def __init__(self, panel, L, h):
        self.p, self.L, self.h = panel, L, h
        self.w = make_windows(panel.indptr, L, h, available=panel.mask[:, 0]) if panel.mask is not None else make_windows(panel.indptr, L, h)
    def __len__(self): return len(self.w)
    def batch(self, idx):
        start, series = self.w.start[idx], self.w.series[idx]
        x = gather_windows(self.p.values, start, self.L, self.h)  # [B, L+h, C]
        avail = gather_windows(self.p.mask, start, self.L, self.h) if self.p.mask is not None else None
        xs, _, _ = scale_windows(x, self.L, 'robust', mask=avail)
        target = xs[:, self.L:, 0]
        out = self.p.inputs(xs, series, self.L, available=avail) | {'target': target}
        return out if avail is None else out | {'mask': avail[:, self.L:, 0]}


def fit_net(panel, steps=8):
    data = PanelBatches(panel, 12, 4)
    extra = int(panel.mask is not None)
    set_seed(0)
    net = LSTMNet(h=4, input_size=12, hist_exog_size=len(panel.hist_exog_list) + extra,
                  futr_exog_size=len(panel.futr_exog_list), encoder_hidden_size=8, decoder_hidden_size=8, encoder_n_layers=1)
    hist = train(net, MAE(), data, data, TrainConfig(max_steps=steps, batch_size=16, val_check_steps=4))
    b = data.batch(torch.arange(len(data)))
    b.pop('target'); b.pop('mask', None)
    with torch.no_grad(): forecast = net(**b)
    return net, hist, forecast


@settings(max_examples=8, deadline=None)
@given(holey_panels(n_exog=(0, 1)))
def test_training_does_not_depend_on_the_missing_values(panels):
    try: (na, ha, fa), (nb, hb, fb) = fit_net(panels[0]), fit_net(panels[1])
    except ValueError as e:  # holes everywhere: no window passes the availability threshold, for both panels alike
        assert 'no training windows' in str(e)
        with pytest.raises(ValueError, match='no training windows'): fit_net(panels[1])
        return
    for pa, pb in zip(na.parameters(), nb.parameters()): assert torch.equal(pa, pb)
    assert ha['train'].equals(hb['train']) and ha['val'].equals(hb['val'])
    assert torch.equal(fa, fb) and torch.isfinite(fa).all()
    assert np.isfinite(ha['train'].loss).all() and np.isfinite(ha['val'].loss).all()


def test_validation_loss_weighs_observed_targets_and_diverging_runs_say_why():
    holes = AP.assign(y=AP.y.where(np.random.default_rng(0).random(144) > 0.3))
    panel = SeriesPanel.from_df(check_df(holes, allow_missing=True)[0])
    net, _, _ = fit_net(panel, steps=2)
    data = PanelBatches(panel, 12, 4)
    b = data.batch(torch.arange(len(data)))
    target, mask = b.pop('target'), b.pop('mask')
    with torch.no_grad(): every = (net(**b)[..., 0] - target).abs()[mask].mean().item()
    assert abs(validation_loss(net, MAE(), data, batch_size=5) - every) < 1e-5

    class NoMask(PanelBatches):
        def batch(self, idx): return {k: v for k, v in super().batch(idx).items() if k != 'mask'}
    with pytest.raises(TrainingDiverged, match="targets of the batch are NaN .missing. and the batch has no 'mask'"):
        train(net, MAE(), NoMask(panel, 12, 4), None, TrainConfig(max_steps=3))


# ---------------------------------------------------------------- the forecaster and the baselines
from lstm_forecast.forecaster import LSTMForecast, PredictionIntervals  # noqa: E402
from lstm_forecast.baselines import Naive, SeasonalNaive  # noqa: E402

QUICK = dict(max_steps=6, encoder_hidden_size=8, decoder_hidden_size=8, batch_size=16)


@st.composite
def holey_frames(draw):
    "A two-series panel with random NaN in y and in a historic and a future exogenous column, and its future values"
    seed = draw(st.integers(0, 10 ** 6))
    rng = np.random.default_rng(seed)
    df = synthetic_panel(n_series=2, min_length=40, max_length=48, seed=seed % 100)
    df['hx'], df['fx'] = rng.normal(size=len(df)), rng.normal(size=len(df))
    p = draw(st.sampled_from([0.1, 0.3, 0.5]))
    for c in ('y', 'hx', 'fx'): df[c] = df[c].where(rng.random(len(df)) > p)
    df.loc[df.groupby('unique_id').tail(2).index, 'y'] = 50.  # predict needs an observed value near the end
    return df, seed


def garbage_panels(monkeypatch, seed):
    "Make every SeriesPanel hold random numbers where its values are missing (the mask stays as it was)"
    from lstm_forecast import forecaster
    make = forecaster.SeriesPanel.from_df
    def from_df(*a, **kw):
        p = make(*a, **kw)
        if p.mask is None: return p
        g = torch.from_numpy(np.random.default_rng(seed).normal(0, 1e3, p.values.shape))
        return dataclasses.replace(p, values=torch.where(p.mask, p.values, g.to(p.values.dtype)))
    monkeypatch.setattr(forecaster.SeriesPanel, 'from_df', from_df)


def future(df, h=4):
    last = df.groupby('unique_id').ds.max()
    return pd.DataFrame({'unique_id': np.repeat(last.index, h),
                         'ds': np.concatenate([pd.date_range(d, periods=h + 1, freq='MS')[1:] for d in last]),
                         'fx': np.arange(2 * h, dtype=float)})


@settings(max_examples=6, deadline=None)
@given(holey_frames())
def test_forecasts_through_missing_values_are_finite_and_ignore_what_the_holes_hold(case):
    df, seed = case
    def run():
        m = LSTMForecast(h=4, input_size=12, hist_exog_list=['hx'], futr_exog_list=['fx'], freq='MS', **QUICK).fit(df)
        return m, m.predict(futr_df=future(df)), m.cross_validation(df, n_windows=2, step_size=4)
    before = df.copy()
    m, fc, cv = run()
    pd.testing.assert_frame_equal(df, before)  # nothing the user passes is mutated
    assert m.impute_ == 12 and not m.channel_ and np.isfinite(fc.LSTM).all() and np.isfinite(cv.LSTM).all()
    with pytest.MonkeyPatch.context() as mp:
        garbage_panels(mp, seed)
        _, fc2, cv2 = run()
    pd.testing.assert_frame_equal(fc, fc2)
    pd.testing.assert_frame_equal(cv, cv2)


def test_missing_data_gets_the_complete_data_network_and_saves_its_imputation(tmp_path):
    tr = AP.iloc[:132]
    m = LSTMForecast(h=12, **QUICK).fit(tr)
    holes = tr.assign(y=tr.y.where(np.random.default_rng(0).random(132) > 0.2))
    holes.loc[131, 'y'] = 400.
    g = LSTMForecast(h=12, **QUICK).fit(holes)
    for f in (m, g):
        assert f.channel_ is False and f.impute_ == 12
        assert all(n.hist_exog_size == 0 and hasattr(n, 'skip') for n in f.model_)  # three networks, one per scaler
    g.save(tmp_path / 'm')
    back = LSTMForecast.load(tmp_path / 'm')
    assert back.impute_ == 12 and back.channel_ is False
    pd.testing.assert_frame_equal(back.predict(), g.predict())
    assert np.isfinite(g.predict(df=tr).LSTM).all() and np.isfinite(m.predict(df=holes).LSTM).all()


def test_impute_windows_recovers_a_trend_plus_season_and_never_reads_the_holes():
    from lstm_forecast.windows import impute_windows
    t = torch.arange(24, dtype=torch.float64)
    y = (100 + 2 * t + 10 * torch.sin(2 * torch.pi * t / 12))[None]                   # [1, 24]: trend + season
    seen = torch.ones(1, 24, dtype=torch.bool); seen[0, [0, 5, 6, 13, 23]] = False
    filled = impute_windows(y.masked_fill(~seen, 1e9), seen, 12)
    torch.testing.assert_close(filled, y)                                           # exact for an additive season and a linear trend
    line = impute_windows(torch.tensor([[1., 0., 0., 4.]]), torch.tensor([[True, False, False, True]]), 1)
    torch.testing.assert_close(line, torch.tensor([[1., 2., 3., 4.]]))              # no season: the neighbours, then a line
    with pytest.raises(ValueError, match='season length'): impute_windows(y, seen, 0)


def test_missing_value_errors_name_the_fix():
    tr = AP.iloc[:132]
    with pytest.raises(ValueError, match=r"has a gap: 1951-07-01 and 1951-08-01 are missing .*fill_gaps\(df, freq='MS'\)"):
        LSTMForecast(h=12, **QUICK).fit(tr.drop(index=[30, 31]))
    blind = tr.assign(y=tr.y.where(tr.index < 100))
    m = LSTMForecast(h=12, input_size=24, **QUICK).fit(blind)
    with pytest.raises(ValueError, match=r"series \['AirPassengers'\] have no observed y in their last input_size=24"):
        m.predict()
    with pytest.raises(ValueError, match='no training window of input_size=24'):
        LSTMForecast(h=12, input_size=24, **QUICK).fit(tr.assign(y=tr.y.where(tr.index % 3 == 0)))


def test_cross_validation_drops_unobserved_windows_and_conformal_skips_missing_scores():
    holes = AP.assign(y=AP.y.where(~AP.index.isin(range(120, 132))))  # the second-to-last year is missing
    m = LSTMForecast(h=12, **QUICK)
    with pytest.warns(UserWarning, match='dropped 1 of 3 windows whose 12 actual values are all missing'):
        cv = m.cross_validation(holes, n_windows=3)
    assert cv.cutoff.nunique() == 2 and np.isfinite(cv.LSTM).all()
    g = LSTMForecast(h=12, **QUICK).fit(holes.iloc[:132].assign(y=lambda d: d.y.where(d.index % 9 != 4)),
                                        prediction_intervals=PredictionIntervals(n_windows=3))
    fc = g.predict(level=[80])
    assert np.isfinite(fc.drop(columns=['unique_id', 'ds']).to_numpy()).all()
    assert (fc['LSTM-hi-80'] > fc['LSTM-lo-80']).all()


def test_forecasters_backtest_the_same_windows_through_holes():
    from lstm_forecast.forecaster import Forecasters
    holes = AP.assign(y=AP.y.where(~AP.index.isin(range(120, 132)) & (AP.index % 7 != 3)))
    with pytest.warns(UserWarning, match='dropped 1 of 3 windows'):
        cv = Forecasters([LSTMForecast(h=12, **QUICK), SeasonalNaive(12, season_length=12)]).cross_validation(holes, n_windows=3)
    assert len(cv) == 24 and np.isfinite(cv[['LSTM', 'SeasonalNaive']].to_numpy()).all()


def test_linear_skip_default_is_on_with_holes_too():
    "linear_skip=None: on for the direct head, with holes too (the skip reads the imputed window, not a hole's 0)"
    from lstm_forecast.forecaster import LSTMForecast
    t = np.arange(60)
    df = pd.DataFrame({'unique_id': 'a', 'ds': pd.date_range('2000-01-01', periods=60, freq='MS'),
                       'y': 10 + np.sin(2 * np.pi * t / 12)})
    full = LSTMForecast(h=3, input_size=12, max_steps=5).fit(df)
    holes = LSTMForecast(h=3, input_size=12, max_steps=5).fit(df.assign(y=df.y.where(t % 7 != 3)))
    off = LSTMForecast(h=3, input_size=12, max_steps=5, linear_skip=False).fit(df.assign(y=df.y.where(t % 7 != 3)))
    skips = lambda f: {hasattr(n, 'skip') for n in f.model_}  # the default: three networks, one per scaler
    assert skips(full) == {True} and skips(holes) == {True} and skips(off) == {False}


def test_a_model_saved_with_the_availability_channel_loads_and_forecasts_as_saved():
    "tests/data/model_with_channel: saved by the library before `impute_windows` (commit fce2655), fitted on AirPassengers"
    "with 10% of its months missing; it must load with its channel and forecast what it forecast then"
    from pathlib import Path
    from lstm_forecast.forecaster import LSTMForecast
    data = Path(__file__).parent / 'data'
    m = LSTMForecast.load(data / 'model_with_channel')
    assert m.channel_ is True and m.impute_ == 0 and m.model_.hist_exog_size == 1 and not hasattr(m.model_, 'skip')
    then = pd.read_csv(data / 'model_with_channel_forecast.csv', parse_dates=['ds'])
    now = m.predict()
    assert list(now.columns) == list(then.columns) and (now['ds'].to_numpy() == then['ds'].to_numpy()).all()
    np.testing.assert_allclose(now['LSTM'].to_numpy(), then['LSTM'].to_numpy(), rtol=1e-12, atol=0)


def test_fill_gaps_of_an_empty_frame_is_an_empty_frame():
    "found by the property test above (every row dropped): it raised an IndexError from inside pandas"
    empty = pd.DataFrame({'unique_id': pd.Series([], dtype=str), 'ds': pd.to_datetime([]), 'y': pd.Series([], dtype=float)})
    for freq in ('MS', None):
        out = fill_gaps(empty, freq=freq)
        assert out.empty and list(out.columns) == ['unique_id', 'ds', 'y']
