"LSTMForecast end to end: panels with exogenous and static features, heads, losses, CV, save/load round trips."
import json
import numpy as np
import pandas as pd
import pytest
import torch

from lstm_forecast.data import load_air_passengers, air_passengers_panel, synthetic_panel
from lstm_forecast.forecaster import LSTMForecast, Forecasters, backtest, default_input_size, season_length
from lstm_forecast.losses import MAE, MSE, Huber, MQLoss, DistributionLoss
from lstm_forecast.baselines import Naive, SeasonalNaive

FAST = dict(max_steps=30, encoder_hidden_size=16, decoder_hidden_size=16)


@pytest.fixture(scope='module')
def ap():
    return load_air_passengers()


@pytest.fixture(scope='module')
def panel():
    df, static = air_passengers_panel()
    train = df.groupby('unique_id').head(-12).reset_index(drop=True)
    test = df.groupby('unique_id').tail(12).reset_index(drop=True)
    return df, static, train, test


def test_predict_frame_shape_and_dates(ap):
    m = LSTMForecast(h=12, **FAST).fit(ap.iloc[:132])
    f = m.predict()
    assert list(f.columns) == ['unique_id', 'ds', 'LSTM']
    assert (f.ds.to_numpy() == ap.ds.iloc[132:].to_numpy()).all()
    assert np.isfinite(f.LSTM).all()


@pytest.mark.parametrize('recurrent', [False, True])
@pytest.mark.parametrize('loss', [MAE(), MSE(), Huber(), MQLoss(level=[80, 90]), DistributionLoss('Normal', level=[80, 90])],
                         ids=lambda l: type(l).__name__)
def test_panel_with_exogenous_and_static(panel, loss, recurrent):
    df, static, train, test = panel
    m = LSTMForecast(h=12, input_size=24, loss=loss, futr_exog_list=['y_[lag12]'], stat_exog_list=['airline1'],
                     hist_exog_list=None if recurrent else ['trend'], recurrent=recurrent, **FAST)
    m.fit(train, static_df=static, val_size=12)
    futr = test[['unique_id', 'ds', 'y_[lag12]']]
    f = m.predict(futr_df=futr)
    assert len(f) == 24 and f.unique_id.value_counts().to_dict() == {'Airline1': 12, 'Airline2': 12}
    assert np.isfinite(f.drop(columns=['unique_id', 'ds']).to_numpy()).all()
    if loss.outputsize_multiplier > 1:
        cols = ['LSTM-lo-90', 'LSTM-lo-80', 'LSTM-median', 'LSTM-hi-80', 'LSTM-hi-90']
        v = f[cols].to_numpy()
        assert (np.diff(v, axis=1) >= -1e-6).all(), 'intervals must be ordered'


def test_direct_head_forecasts_depend_on_the_latest_value(ap):
    m = LSTMForecast(h=12, **FAST).fit(ap.iloc[:132])
    base = m.predict(df=ap.iloc[:132]).LSTM.to_numpy()
    bumped = ap.iloc[:132].copy()
    bumped.loc[131, 'y'] += 100
    changed = m.predict(df=bumped).LSTM.to_numpy()
    assert (np.abs(changed - base) > 1e-6).all()


def test_predict_on_new_series_and_extended_history(ap):
    m = LSTMForecast(h=6, **FAST).fit(ap.iloc[:120])
    other = ap.assign(unique_id='Other', y=ap.y * 2)
    f = m.predict(df=pd.concat([ap, other]))
    assert set(f.unique_id) == {'AirPassengers', 'Other'}
    assert f[f.unique_id == 'AirPassengers'].ds.iloc[0] == pd.Timestamp('1961-01-01')
    # scaling is per window: a series twice as large gets a forecast twice as large
    a = f[f.unique_id == 'AirPassengers'].LSTM.to_numpy()
    b = f[f.unique_id == 'Other'].LSTM.to_numpy()
    np.testing.assert_allclose(b, 2 * a, rtol=1e-4)


def test_ragged_panel_integer_ds():
    df = synthetic_panel(n_series=4, min_length=50, max_length=90, seed=1)
    df = df.assign(ds=df.groupby('unique_id').cumcount())
    m = LSTMForecast(h=5, input_size=10, **FAST).fit(df)
    f = m.predict()
    last = df.groupby('unique_id').ds.max()
    assert (f.groupby('unique_id').ds.min() == last + 1).all()
    assert (f.groupby('unique_id').ds.max() == last + 5).all()


def test_input_size_smaller_than_h_and_h1(ap):
    f = LSTMForecast(h=24, input_size=6, **FAST).fit(ap).predict()
    assert len(f) == 24
    f = LSTMForecast(h=1, **FAST).fit(ap).predict()
    assert len(f) == 1


def test_cross_validation_no_refit_matches_predict_at_cutoff(ap):
    m = LSTMForecast(h=12, **FAST)
    cv = m.cross_validation(ap, n_windows=2, step_size=12)
    assert list(cv.columns[:5]) == ['unique_id', 'ds', 'cutoff', 'y', 'LSTM']
    assert len(cv) == 24 and cv.cutoff.nunique() == 2
    assert (cv.ds > cv.cutoff).all()
    # one model was trained, before the first cutoff; the second window equals its predict() from the second cutoff
    assert not m.fitted_  # cross-validation trains copies, never the model itself
    first = LSTMForecast(h=12, **FAST).fit(ap[ap.ds <= cv.cutoff.min()])
    second = cv[cv.cutoff == cv.cutoff.max()]
    direct = first.predict(df=ap[ap.ds <= cv.cutoff.max()])
    np.testing.assert_allclose(second.LSTM.to_numpy(), direct.LSTM.to_numpy(), rtol=1e-5)


def test_cross_validation_refit(ap):
    cv = LSTMForecast(h=6, **FAST).cross_validation(ap, n_windows=3, refit=True)
    assert cv.cutoff.nunique() == 3 and len(cv) == 18
    cv2 = LSTMForecast(h=6, **FAST).cross_validation(ap, n_windows=4, refit=2)
    assert cv2.cutoff.nunique() == 4


def test_forecasters_side_by_side(ap):
    fc = Forecasters([LSTMForecast(h=12, **FAST), SeasonalNaive(h=12, season_length=12), Naive(h=12)])
    f = fc.fit(ap.iloc[:132]).predict()
    assert list(f.columns) == ['unique_id', 'ds', 'LSTM', 'SeasonalNaive', 'Naive']
    cv = fc.cross_validation(ap, n_windows=2)
    assert {'LSTM', 'SeasonalNaive', 'Naive', 'y', 'cutoff'} <= set(cv.columns) and len(cv) == 24
    sn = backtest(SeasonalNaive(h=12, season_length=12), ap, n_windows=2)
    np.testing.assert_allclose(cv.SeasonalNaive.to_numpy(), sn.SeasonalNaive.to_numpy())
    with pytest.raises(ValueError, match='share the alias'):
        Forecasters([Naive(h=3), Naive(h=3)])


@pytest.mark.parametrize('loss', [MAE(), MQLoss(level=[80, 90]), DistributionLoss('Normal', level=[80]), DistributionLoss('StudentT', level=[90]), Huber(delta=0.5)],
                         ids=lambda l: type(l).__name__)
def test_save_load_round_trip_identical(panel, loss, tmp_path):
    df, static, train, test = panel
    m = LSTMForecast(h=12, loss=loss, futr_exog_list=['y_[lag12]'], stat_exog_list=['airline1'], **FAST).fit(train, static_df=static)
    futr = test[['unique_id', 'ds', 'y_[lag12]']]
    before = m.predict(futr_df=futr)
    m.save(tmp_path / 'model')
    m2 = LSTMForecast.load(tmp_path / 'model')
    pd.testing.assert_frame_equal(before, m2.predict(futr_df=futr))
    pd.testing.assert_frame_equal(m.predict(df=train, futr_df=futr), m2.predict(df=train, futr_df=futr))
    cfg = json.loads((tmp_path / 'model' / 'config.json').read_text())
    assert cfg['format_version'] == 2 and cfg['loss']['name'] == type(loss).__name__


def test_save_load_integer_ids_and_ds(tmp_path):
    df = pd.DataFrame({'unique_id': np.repeat([7, 8], 40), 'ds': np.tile(np.arange(40), 2),
                       'y': np.sin(np.arange(80) / 3) + 5})
    m = LSTMForecast(h=4, input_size=8, **FAST).fit(df)
    m.save(tmp_path / 'm')
    m2 = LSTMForecast.load(tmp_path / 'm')
    pd.testing.assert_frame_equal(m.predict(), m2.predict())


def test_same_seed_same_forecast_different_seed_different(ap):
    a = LSTMForecast(h=12, random_seed=1, **FAST).fit(ap).predict()
    b = LSTMForecast(h=12, random_seed=1, **FAST).fit(ap).predict()
    c = LSTMForecast(h=12, random_seed=2, **FAST).fit(ap).predict()
    pd.testing.assert_frame_equal(a, b)
    assert not np.allclose(a.LSTM, c.LSTM)


def test_fit_does_not_mutate_inputs(panel):
    df, static, train, test = panel
    t0, s0 = train.copy(deep=True), static.copy(deep=True)
    m = LSTMForecast(h=12, futr_exog_list=['y_[lag12]'], stat_exog_list=['airline1'], **FAST).fit(train, static_df=static)
    m.predict(futr_df=test)
    pd.testing.assert_frame_equal(train, t0)
    pd.testing.assert_frame_equal(static, s0)


def test_defaults_from_frequency():
    assert season_length('MS') == 12 and season_length('QS') == 4 and season_length('h') == 24
    assert default_input_size(12, 'MS', 132) == 24
    assert default_input_size(7, 'D', 1000) == 14


def test_read_series_inputs_accepted(ap):
    from lstm_forecast.data import read_series
    s = pd.Series(ap.y.to_numpy(), index=ap.ds, name='passengers')
    with pytest.raises(TypeError, match='read_series'): LSTMForecast(h=3, **FAST).fit(s)  # fit never guesses
    f = LSTMForecast(h=3, **FAST).fit(read_series(s, verbose=False)).predict()
    assert len(f) == 3 and f.ds.iloc[0] == pd.Timestamp('1961-01-01')


def test_custom_lstm_switch(ap):
    f = LSTMForecast(h=3, lstm_impl='custom', max_steps=5, encoder_hidden_size=8).fit(ap).predict()
    assert np.isfinite(f.LSTM).all()


def test_conformal_intervals_for_a_point_loss(ap, tmp_path):
    from lstm_forecast.forecaster import PredictionIntervals, conformal_quantile
    train = ap.iloc[:132]
    m = LSTMForecast(h=12, **FAST).fit(train, prediction_intervals=PredictionIntervals(n_windows=5, step_size=1))
    ids, scores = m.conformal_
    assert scores.shape == (1, 5, 12) and (scores >= 0).all()
    f = m.predict(level=[50, 90])
    cols = ['LSTM-lo-90', 'LSTM-lo-50', 'LSTM-median', 'LSTM-hi-50', 'LSTM-hi-90']
    v = f[cols].to_numpy()
    assert (np.diff(v, axis=1) >= 0).all()
    np.testing.assert_allclose(f['LSTM-median'], f['LSTM'])
    # the 90% band is point +- the conformal quantile of the scores of each horizon step
    half = conformal_quantile(np.moveaxis(scores, 1, -1), 90)[0]
    np.testing.assert_allclose(f['LSTM-hi-90'] - f['LSTM'], half, rtol=1e-6)
    # point forecasts are those of the same model without calibration (calibration trains a separate copy)
    plain = LSTMForecast(h=12, **FAST).fit(train).predict()
    np.testing.assert_allclose(f['LSTM'], plain['LSTM'])
    m.save(tmp_path / 'pi')
    pd.testing.assert_frame_equal(LSTMForecast.load(tmp_path / 'pi').predict(level=[50, 90]), f)
    with pytest.raises(ValueError, match='was not in the data the intervals were calibrated on'):
        m.predict(df=ap.assign(unique_id='new'), level=[90])
    with pytest.raises(TypeError, match='PredictionIntervals'):
        LSTMForecast(h=12, **FAST).fit(train, prediction_intervals=3)


def test_conformal_quantile_order_statistic():
    from lstm_forecast.forecaster import conformal_quantile
    s = np.arange(1., 10.)  # n = 9
    assert conformal_quantile(s, 80) == 8.0   # k = ceil(10 * 0.8) = 8
    assert conformal_quantile(s, 90) == 9.0   # k = 9
    assert conformal_quantile(s[:3], 90) == 3.0  # k = 4 > n: the largest


def test_mqloss_with_explicit_asymmetric_quantiles(ap):
    m = LSTMForecast(h=3, input_size=6, loss=MQLoss(quantiles=[0.05, 0.5, 0.9]), **FAST).fit(ap)
    f = m.predict()
    assert list(f.columns) == ['unique_id', 'ds', 'LSTM', 'LSTM-median', 'LSTM-lo-90', 'LSTM-hi-80']
    assert (f['LSTM-lo-90'] <= f['LSTM-median']).all() and (f['LSTM-median'] <= f['LSTM-hi-80']).all()
    cv = m.cross_validation(ap, n_windows=2)
    assert {'LSTM-lo-90', 'LSTM-hi-80'} <= set(cv.columns)


def test_float_ids_round_trip(tmp_path):
    df = pd.DataFrame({'unique_id': np.repeat([1.5, 2.5], 40), 'ds': np.tile(np.arange(40), 2), 'y': np.sin(np.arange(80) / 3) + 5})
    from lstm_forecast.forecaster import PredictionIntervals
    m = LSTMForecast(h=4, input_size=8, **FAST).fit(df, prediction_intervals=PredictionIntervals(n_windows=3, step_size=1))
    m.save(tmp_path / 'm')
    m2 = LSTMForecast.load(tmp_path / 'm')
    pd.testing.assert_frame_equal(m.predict(df=df, level=[80]), m2.predict(df=df, level=[80]))


# ---------------------------------------------------------------- the baseline the network corrects, and ensembles
def test_window_base_is_the_last_season_repeated(ap):
    import torch
    from lstm_forecast.forecaster import WindowBatches
    from lstm_forecast.windows import SeriesPanel
    panel = SeriesPanel.from_df(ap, dtype=torch.float64)
    b = WindowBatches(panel, torch.tensor([0, 0]), torch.tensor([0, 50]), input_size=24, h=30, base_lag=12)
    xs, _, _ = b.scaled(torch.arange(2))
    base = b.base(xs)
    assert base.shape == (2, 30)
    for k in range(30): assert torch.equal(base[:, k], xs[:, 12 + k % 12, 0])  # step k repeats input 24 - 12 + k mod 12
    tgt = b.batch(torch.arange(2))['target']
    assert torch.allclose(tgt + base, xs[:, 24:, 0])
    assert torch.equal(WindowBatches(panel, torch.tensor([0]), torch.tensor([0]), 24, 30).base(xs[:1]), torch.zeros(1, 30))


def test_baseline_choices(ap):
    assert LSTMForecast(h=12).baseline is None and LSTMForecast(h=12).ensemble_size == 1  # off by default
    with pytest.raises(ValueError, match='needs the direct head'):
        LSTMForecast(h=12, recurrent=True, baseline='naive')
    with pytest.raises(ValueError, match="baseline must be"):
        LSTMForecast(h=12, baseline='drift')
    sn = dict(baseline='seasonal_naive', **FAST)
    assert LSTMForecast(h=12, **sn).fit(ap).base_lag_ == 12                     # monthly: the season, 12
    assert LSTMForecast(h=12, baseline='naive', **FAST).fit(ap).base_lag_ == 1
    assert LSTMForecast(h=12, **FAST).fit(ap).base_lag_ == 0
    assert LSTMForecast(h=12, input_size=6, **sn).fit(ap).base_lag_ == 1   # a window shorter than the season: naive
    assert LSTMForecast(h=12, season_length=4, **sn).fit(ap).base_lag_ == 4


def test_ensemble_is_the_median_of_its_members(ap, tmp_path):
    kw = dict(h=6, max_steps=20, encoder_hidden_size=8, decoder_hidden_size=8, scaler_type='robust')
    ens = LSTMForecast(ensemble_size=3, baseline='seasonal_naive', random_seed=5, **kw).fit(ap)
    singles = [LSTMForecast(random_seed=5 + k, baseline='seasonal_naive', **kw).fit(ap).predict().LSTM.to_numpy() for k in range(3)]
    np.testing.assert_allclose(ens.predict().LSTM.to_numpy(), np.median(singles, axis=0), rtol=1e-6)
    assert len(ens.history_['members']) == 3
    loaded = LSTMForecast.load(ens.save(tmp_path / 'ens'))
    pd.testing.assert_frame_equal(loaded.predict(), ens.predict())


def test_scalers_times_seeds_is_the_median_of_every_network(ap, tmp_path):
    "A list of scalers with ensemble_size=k: k networks per scaler (seeds random_seed + 0..k-1), the median of all"
    kw = dict(h=6, max_steps=20, encoder_hidden_size=8, decoder_hidden_size=8)
    ens = LSTMForecast(ensemble_size=2, scaler_type=['minmax', 'standard'], random_seed=5, **kw).fit(ap)
    assert ens.members_ == ('minmax', 'minmax', 'standard', 'standard') and len(ens.model_) == 4
    singles = [LSTMForecast(scaler_type=s, random_seed=5 + k, **kw).fit(ap).predict().LSTM.to_numpy()
               for s in ('minmax', 'standard') for k in range(2)]
    np.testing.assert_allclose(ens.predict().LSTM.to_numpy(), np.median(singles, axis=0), rtol=1e-12)
    loaded = LSTMForecast.load(ens.save(tmp_path / 'ens'))
    assert loaded.scaler_type == ('minmax', 'standard') and loaded.members_ == ens.members_
    pd.testing.assert_frame_equal(loaded.predict(), ens.predict())
