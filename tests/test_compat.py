"`lstm_forecast.compat`: neuralforecast code ports by changing its imports; columns, frames and tools of the ecosystem."
import re, subprocess, sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lstm_forecast import compat as C
from lstm_forecast.compat import (NeuralForecast, LSTM, MAE, MSE, HuberLoss, MQLoss, DistributionLoss, PredictionIntervals,
                                  AirPassengers, AirPassengersDF, AirPassengersPanel, AirPassengersStatic, NotSupported)

NF_DOC_EXAMPLE = '''
import pandas as pd
import matplotlib.pyplot as plt

from neuralforecast import NeuralForecast
from neuralforecast.models import LSTM
from neuralforecast.losses.pytorch import DistributionLoss
from neuralforecast.utils import AirPassengersPanel, AirPassengersStatic

Y_train_df = AirPassengersPanel[AirPassengersPanel.ds<AirPassengersPanel['ds'].values[-12]] # 132 train
Y_test_df = AirPassengersPanel[AirPassengersPanel.ds>=AirPassengersPanel['ds'].values[-12]].reset_index(drop=True) # 12 test

nf = NeuralForecast(
    models=[LSTM(h=12, 
                 input_size=8,
                 loss=DistributionLoss(distribution="Normal", level=[80, 90]),
                 scaler_type='robust',
                 encoder_n_layers=2,
                 encoder_hidden_size=128,
                 decoder_hidden_size=128,
                 decoder_layers=2,
                 max_steps=200,
                 futr_exog_list=['y_[lag12]'],
                 stat_exog_list=['airline1'],
                 recurrent=True,
                 h_train=1,
                 )
    ],
    freq='ME'
)
nf.fit(df=Y_train_df, static_df=AirPassengersStatic)
Y_hat_df = nf.predict(futr_df=Y_test_df)

# Plots
Y_hat_df = Y_hat_df.reset_index(drop=False).drop(columns=['unique_id','ds'])
plot_df = pd.concat([Y_test_df, Y_hat_df], axis=1)
plot_df = pd.concat([Y_train_df, plot_df])

plot_df = plot_df[plot_df.unique_id=='Airline1'].drop('unique_id', axis=1)
plt.plot(plot_df['ds'], plot_df['y'], c='black', label='True')
plt.plot(plot_df['ds'], plot_df['LSTM-median'], c='blue', label='median')
plt.fill_between(x=plot_df['ds'][-12:], 
                 y1=plot_df['LSTM-lo-90'][-12:].values,
                 y2=plot_df['LSTM-hi-90'][-12:].values,
                 alpha=0.4, label='level 90')
plt.grid()
plt.plot()
'''
NF_IMPORTS = '''from neuralforecast import NeuralForecast
from neuralforecast.models import LSTM
from neuralforecast.losses.pytorch import DistributionLoss
from neuralforecast.utils import AirPassengersPanel, AirPassengersStatic
'''
OUR_IMPORT = 'from lstm_forecast.compat import NeuralForecast, LSTM, DistributionLoss, AirPassengersPanel, AirPassengersStatic\n'
SERIES = AirPassengersPanel[['unique_id', 'ds', 'y']]


def test_docs_example_runs_with_only_the_import_changed():
    assert NF_IMPORTS in NF_DOC_EXAMPLE
    code = NF_DOC_EXAMPLE.replace(NF_IMPORTS, OUR_IMPORT).replace('max_steps=200', 'max_steps=20')
    assert code.count('\n') == NF_DOC_EXAMPLE.count('\n') - 3  # four lines became one, nothing else changed
    import matplotlib.pyplot as plt
    plt.close('all')
    ns = {}
    exec(compile(code, 'nf_lstm_example', 'exec'), ns)
    fc = ns['nf'].predict(futr_df=ns['Y_test_df'])
    assert fc.columns.tolist() == ['unique_id', 'ds', 'LSTM', 'LSTM-median', 'LSTM-lo-90', 'LSTM-lo-80', 'LSTM-hi-80', 'LSTM-hi-90']
    assert len(fc) == 24 and fc.drop(columns=['unique_id', 'ds']).notna().all().all()
    assert (fc['LSTM-lo-90'] <= fc['LSTM-lo-80']).all() and (fc['LSTM-hi-80'] <= fc['LSTM-hi-90']).all()
    ax = plt.gca()
    assert len(ax.lines) == 2 and len(ax.collections) == 1  # true and median; the 90% band
    plt.close('all')


def test_air_passengers_frames_as_neuralforecast_builds_them():
    assert AirPassengers.dtype == np.float32 and len(AirPassengers) == 144 and AirPassengers[0] == 112
    assert AirPassengersDF.unique_id.eq(1.0).all() and AirPassengersDF.ds.iloc[0] == pd.Timestamp('1949-01-31')
    p = AirPassengersPanel
    assert p.columns.tolist() == ['unique_id', 'ds', 'y', 'trend', 'y_[lag12]']
    lag = p.groupby('unique_id')['y'].shift(12).fillna(p['y'])  # neuralforecast.utils' recipe
    np.testing.assert_array_equal(p['y_[lag12]'], lag)
    np.testing.assert_array_equal(p.trend, np.arange(288))
    np.testing.assert_array_equal(p.y[144:].to_numpy() - 300, AirPassengers)
    assert AirPassengersStatic.columns.tolist() == ['unique_id', 'airline1', 'airline2']


def test_defaults_are_neuralforecasts():
    f = LSTM(h=6).forecaster('ME')
    assert (f.input_size, f.encoder_n_layers, f.encoder_hidden_size, f.decoder_hidden_size, f.decoder_layers) == (18, 2, 128, 128, 2)
    tc = f.train_config
    assert (tc.learning_rate, tc.max_steps, tc.batch_size, tc.val_check_steps, tc.grad_clip_norm, f.random_seed) == (1e-3, 1000, 128, 100, None, 1)
    assert f.scaler_type == 'robust' and not f.recurrent and type(f.loss).__name__ == 'MAE'
    assert set(C.LSTM_ARGS) - {'**trainer_kwargs'} == set(LSTM.__init__.__code__.co_varnames[1:LSTM.__init__.__code__.co_argcount])


@pytest.mark.parametrize('kw, name', [(dict(exclude_insample_y=True), 'exclude_insample_y'), (dict(step_size=3), 'step_size'),
                                      (dict(num_lr_decays=3), 'num_lr_decays'), (dict(max_epochs=2), 'max_epochs'),
                                      (dict(inference_input_size=30), 'inference_input_size'),
                                      (dict(cat_exog_list=['a']), 'cat_exog_list'), (dict(valid_loss=MSE()), 'valid_loss'),
                                      (dict(lr_scheduler=object), 'lr_scheduler'), (dict(start_padding_enabled=True), 'start_padding_enabled')])
def test_unimplemented_arguments_raise_one_clear_error(kw, name):
    with pytest.raises(NotSupported, match=rf"LSTM\({name}=.* is a neuralforecast argument that lstm_forecast does not implement; \w"):
        LSTM(h=4, **kw)


def test_local_scaler_refused():
    with pytest.raises(NotSupported, match="scaler_type"):
        NeuralForecast([LSTM(h=4)], freq='ME', local_scaler_type='standard')


FAST = dict(input_size=24, max_steps=5, val_check_steps=5, encoder_hidden_size=8, decoder_hidden_size=8)


@pytest.mark.parametrize('loss, level, cols', [
    (MAE(), None, ['LSTM']),
    (MQLoss(level=[80, 90]), None, ['LSTM-median', 'LSTM-lo-90', 'LSTM-lo-80', 'LSTM-hi-80', 'LSTM-hi-90']),
    (MQLoss(level=[80, 90]), [80], ['LSTM-median', 'LSTM-lo-90', 'LSTM-lo-80', 'LSTM-hi-80', 'LSTM-hi-90']),
    (MQLoss(quantiles=[0.1, 0.5, 0.9]), None, ['LSTM-lo-80.0', 'LSTM-median', 'LSTM-hi-80.0']),
    (DistributionLoss('StudentT', level=[80]), None, ['LSTM', 'LSTM-median', 'LSTM-lo-80', 'LSTM-hi-80']),
    (DistributionLoss('Normal'), [90, 50], ['LSTM', 'LSTM-lo-90', 'LSTM-lo-50', 'LSTM-hi-50', 'LSTM-hi-90']),
])
def test_columns_per_loss_as_neuralforecast(loss, level, cols):
    nf = NeuralForecast([LSTM(h=12, loss=loss, **FAST)], freq='ME').fit(SERIES)
    assert nf.predict(level=level).columns.tolist() == ['unique_id', 'ds'] + cols
    cv = nf.cross_validation(SERIES, n_windows=2, step_size=12, level=level)
    assert cv.columns.tolist() == ['unique_id', 'ds', 'cutoff'] + cols + ['y']


def test_conformal_columns_and_repeated_names():
    nf = NeuralForecast([LSTM(h=12, **FAST), LSTM(h=12, loss=HuberLoss(), **FAST)], freq='ME')
    nf.fit(SERIES, prediction_intervals=PredictionIntervals(n_windows=2))
    fc = nf.predict(level=[90, 80])
    assert fc.columns.tolist() == ['unique_id', 'ds', 'LSTM', 'LSTM-lo-90', 'LSTM-lo-80', 'LSTM-hi-80', 'LSTM-hi-90',
                                   'LSTM1', 'LSTM1-lo-90', 'LSTM1-lo-80', 'LSTM1-hi-80', 'LSTM1-hi-90']


def test_polars_custom_names_future_frames_and_save(tmp_path):
    pl = pytest.importorskip('polars')
    d = AirPassengersPanel.rename(columns={'unique_id': 'airline', 'ds': 'month', 'y': 'passengers'})
    st = AirPassengersStatic.rename(columns={'unique_id': 'airline'})
    train, test = d[d.month < d.month.iloc[-12]], d[d.month >= d.month.iloc[-12]]
    names = dict(id_col='airline', time_col='month', target_col='passengers')
    m = lambda: LSTM(h=12, futr_exog_list=['y_[lag12]'], stat_exog_list=['airline1'], **FAST)
    nf_pd = NeuralForecast([m()], freq='ME').fit(train, static_df=st, **names)
    nf_pl = NeuralForecast([m()], freq='ME').fit(pl.from_pandas(train), static_df=pl.from_pandas(st), **names)
    f_pd, f_pl = nf_pd.predict(futr_df=test), nf_pl.predict(futr_df=pl.from_pandas(test))
    assert isinstance(f_pl, pl.DataFrame) and f_pl.columns == ['airline', 'month', 'LSTM']
    np.testing.assert_allclose(f_pl['LSTM'].to_numpy(), f_pd['LSTM'].to_numpy(), rtol=1e-6)
    fut = nf_pl.make_future_dataframe()
    assert isinstance(fut, pl.DataFrame) and fut.columns == ['airline', 'month'] and fut.height == 24
    missing = nf_pd.get_missing_future(test.iloc[2:])
    assert missing.columns.tolist() == ['airline', 'month'] and len(missing) == 2
    cv = nf_pl.cross_validation(pl.from_pandas(d), static_df=pl.from_pandas(st), n_windows=2, step_size=12, **names)
    assert isinstance(cv, pl.DataFrame) and cv.columns == ['airline', 'month', 'cutoff', 'LSTM', 'passengers']
    nf_pd.save(tmp_path / 'm')
    with pytest.raises(ValueError, match='overwrite=True'): nf_pd.save(tmp_path / 'm')
    back = NeuralForecast.load(tmp_path / 'm')
    pd.testing.assert_frame_equal(back.predict(futr_df=test), f_pd)


def test_utilsforecast_evaluate_and_plot_series_on_our_outputs():
    ufe = pytest.importorskip('utilsforecast.evaluation')
    from utilsforecast.losses import mae, coverage
    from utilsforecast.plotting import plot_series
    train, test = SERIES[SERIES.ds < SERIES.ds.iloc[-12]], SERIES[SERIES.ds >= SERIES.ds.iloc[-12]]
    for fit_kw, model in [(dict(prediction_intervals=PredictionIntervals()), LSTM(h=12, **FAST)),
                          ({}, LSTM(h=12, loss=DistributionLoss('Normal'), **FAST))]:
        nf = NeuralForecast([model], freq='ME').fit(train, **fit_kw)
        fc = nf.predict(level=[80, 90]).merge(test)
        ev = ufe.evaluate(fc, metrics=[mae, coverage], level=[80, 90])  # no models=: the columns say it all
        assert ev.metric.tolist() == ['mae'] * 2 + ['coverage_level80'] * 2 + ['coverage_level90'] * 2 and ev['LSTM'].notna().all()
        fig = plot_series(train, fc.drop(columns='y'), level=[80, 90])
        assert fig is not None
        cv = nf.cross_validation(SERIES, n_windows=2, step_size=12, level=None if fit_kw else [80, 90])
        assert ufe.evaluate(cv.drop(columns='cutoff'), metrics=[mae], level=None if fit_kw else [80, 90])['LSTM'].notna().all()


def test_matplotlib_is_imported_lazily():
    code = ("import sys, lstm_forecast.forecaster, lstm_forecast.compat, lstm_forecast.cli; "
            "print('matplotlib' in sys.modules)")
    r = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, cwd=Path(__file__).parents[1])
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == 'False'
