"""Bad input at every entry point: `check_df`, `read_series`, `LSTMForecast.fit/predict/cross_validation`, the
baselines, `Forecasters` and the `lstm_forecast` command. Each bad input gets a `ValueError`/`TypeError` whose message
names the problem and the fix (pinned by fragments); nothing raises KeyError/IndexError/a torch error or returns NaN,
and the caller's frames are never mutated, not even by a call that raises. Run this file as a script to print the
table of every case and what it produced."""
import copy, os, shutil, subprocess, sys, tempfile, warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from helpers import run_timed

from lstm_forecast.baselines import HistoricAverage, Naive, RandomWalkWithDrift, SeasonalNaive
from lstm_forecast.data import check_alias, check_df, future_dates, read_series, synthetic_panel
from lstm_forecast.forecaster import Forecasters, LSTMForecast
from lstm_forecast.losses import MAE, DistributionLoss, MQLoss, _sample_gamma
from lstm_forecast.train import set_seed, use_threads

H, L = 3, 5
TINY = dict(max_steps=5, encoder_hidden_size=8, decoder_hidden_size=8, input_size=L)


def panel(T=30, n=2, freq='D'):
    "Clean long frame: `n` series of `T` daily rows, a historic exogenous column `x`"
    df = synthetic_panel(n_series=n, min_length=T, max_length=T, freq=freq, seed=0)
    return df.assign(x=np.linspace(0., 1., len(df)))


def edit(**kw):
    "A clean panel with `kw` applied: column -> {row: value}"
    df = panel()
    for col, cells in kw.items():
        if any(isinstance(v, str) for v in cells.values()): df[col] = df[col].astype(object)
        for i, v in cells.items(): df.loc[i, col] = v
    return df


def mixed_freq():
    "S0 daily, S1 monthly"
    df = panel()
    s1 = df.unique_id == 'S1'
    return pd.concat([df[~s1], df[s1].assign(ds=pd.date_range('2000-01-01', periods=int(s1.sum()), freq='MS'))], ignore_index=True)


def irregular():
    days = np.cumsum(np.arange(1, 11))  # steps of 1, 2, 3, ... days: no frequency
    return pd.DataFrame({'unique_id': 'S0', 'ds': pd.Timestamp('2000-01-01') + pd.to_timedelta(days, unit='D'), 'y': 1. + np.arange(10.),
                         'x': 0.})


def one_point():
    df = panel()
    return df.drop(index=df.index[(df.unique_id == 'S1')][1:]).reset_index(drop=True)


ENTRY_NAMES = ('check_df', 'LSTM.fit', 'LSTM.predict', 'LSTM.cross_validation', 'Naive.fit', 'SeasonalNaive.fit',
               'HistoricAverage.fit', 'RandomWalkWithDrift.fit', 'Naive.predict', 'Forecasters.fit')  # the keys of ENTRIES
OK = 'ok'
# case -> (frame builder, expected outcome for the entry points that read y and x, {entry: override})
# expected outcome: OK (finite forecasts / a checked frame) or (exception type, [message fragments: problem, fix])
SHORT_FIT = (ValueError, ["series 'S0' has 6 rows, too short for input_size=5 + h=3 (needs 8)", 'lower input_size or h'])
BASELINES = ('Naive.fit', 'SeasonalNaive.fit', 'HistoricAverage.fit', 'RandomWalkWithDrift.fit', 'Naive.predict')
NO_EXOG = dict.fromkeys(BASELINES, 'skip')  # the baselines do not read exogenous columns
DATA = {
    'NaN in y': (lambda: edit(y={5: np.nan}), (ValueError, ["column 'y' has 1 non-finite values (NaN/inf)", "series 'S0' at ds=2000-01-06 (nan)", 'fill them']),
                 {e: OK for e in ENTRY_NAMES if e != 'check_df'}),  # a missing value: only check_df's default refuses it
    'inf in y': (lambda: edit(y={7: np.inf}), (ValueError, ["column 'y' has 1 ", 'finite values', '(inf)']), {}),  # (non-|in)finite
    '-inf in y': (lambda: edit(y={40: -np.inf}), (ValueError, ["column 'y' has 1 ", 'finite values', "series 'S1'", '(-inf)']), {}),
    'NaN in exog': (lambda: edit(x={3: np.nan}), (ValueError, ["column 'x' has 1 non-finite values (NaN/inf)", 'fill them']),
                    {**NO_EXOG, **{e: OK for e in ENTRY_NAMES if e.startswith(('LSTM', 'Forecasters'))}}),
    'inf in exog': (lambda: edit(x={33: -np.inf}), (ValueError, ["column 'x' has 1 ", 'finite values', "series 'S1'", '(-inf)']), NO_EXOG),
    'text in y': (lambda: edit(y={4: 'abc'}), (ValueError, ["column 'y' must be numeric", "holds 'abc'", 'pd.to_numeric']), {}),
    'number as text in y': (lambda: edit(y={4: '1.5'}), (ValueError, ["column 'y' must be numeric", "holds '1.5'", 'pd.to_numeric']), {}),
    'text dtype y': (lambda: panel().assign(y=lambda d: d.y.astype(str).where(d.index != 9, 'n/a')),
                     (ValueError, ["column 'y' must be numeric", "holds 'n/a'", 'pd.to_numeric']), {}),
    'text in exog': (lambda: edit(x={4: 'n/a'}), (ValueError, ["column 'x' must be numeric", "holds 'n/a'", 'pd.to_numeric']), NO_EXOG),
    'duplicate timestamps': (lambda: pd.concat([panel(), panel().iloc[[3]]], ignore_index=True),
                             (ValueError, ["1 duplicate (unique_id, ds) rows", "series 'S0' at ds=2000-01-04", 'drop_duplicates']), {}),
    'missing timestamp (gap)': (lambda: panel().drop(index=10), (ValueError, ["series 'S0' has a gap: 2000-01-11 is missing", 'add the missing rows']), {}),
    'missing ds value (NaT)': (lambda: panel().assign(ds=lambda d: d.ds.where(d.index != 4)),
                               (ValueError, ["column 'ds' has 1 missing timestamps (first at row 4)", 'drop those rows or fill them']), {}),
    'unparseable ds': (lambda: panel().assign(ds=lambda d: d.ds.astype(str).where(d.index != 2, 'soon')),
                       (ValueError, ["column 'ds' holds text", 'pd.to_datetime']), {}),
    'float ds': (lambda: panel().assign(ds=np.arange(60.)), (ValueError, ["column 'ds' has dtype float64", 'astype("int64")']), {}),
    'mixed frequencies': (lambda: mixed_freq(), (ValueError, ["series 'S1' has frequency 'MS' but series 'S0' has 'D'", 'all series must share one frequency']),
                          {'LSTM.predict': (ValueError, ["series 'S1' has frequency 'MS', not freq='D'", "resample it to 'D'"])}),
    'frequency not inferable': (lambda: irregular(), (ValueError, ['cannot infer the frequency of ds', 'is irregular', 'pass freq=']),
                                {'LSTM.predict': (ValueError, ["series 'S0' has a gap", "for freq='D'", 'add the missing rows'])}),
    'shorter than input_size + h': (lambda: panel(T=6), SHORT_FIT,
                                    {'LSTM.predict': OK, **dict.fromkeys(BASELINES, OK)}),
    'one-point series': (lambda: one_point(), (ValueError, ["series 'S1' has 1 rows, too short for input_size=5 + h=3", 'lower input_size or h']),
                         {'LSTM.predict': (ValueError, ["series 'S1' has 1 rows, too short for input_size=5 (needs 5)", 'lower input_size']),
                          'Naive.fit': OK, 'HistoricAverage.fit': OK, 'Naive.predict': OK,
                          'SeasonalNaive.fit': (ValueError, ["series ['S1'] have [1] rows, shorter than season_length=2", 'pass longer series']),
                          'RandomWalkWithDrift.fit': (ValueError, ["series ['S1'] have [1] rows, too short for RandomWalkWithDrift", 'use Naive'])}),
    'only one-point series': (lambda: panel().groupby('unique_id').head(1).reset_index(drop=True),
                              (ValueError, ['cannot infer the frequency of ds: every series has fewer than 3 timestamps', 'pass freq=']),
                              {'LSTM.predict': (ValueError, ['has 1 rows, too short for input_size=5', 'lower input_size'])}),
    'constant series': (lambda: panel().assign(y=42.), OK, {}),  # the zero-scale rule: scale 1, windows only shifted
    'all-zero series': (lambda: panel().assign(y=0.), OK, {}),
    'empty frame': (lambda: panel().iloc[:0], (ValueError, ['df is empty (0 rows)', 'pass a frame with at least one series']), {}),
    'no y column': (lambda: panel().drop(columns='y'), (ValueError, ["missing column(s) ['y']", 'Rename them or pass']),
                    dict.fromkeys(['LSTM.fit', 'LSTM.predict', 'LSTM.cross_validation', 'Forecasters.fit'],
                                  (ValueError, ["df has no column 'y'", 'name your target column y']))),
    'exog column absent': (lambda: panel().drop(columns='x'), (ValueError, ["missing column(s) ['x']", 'Rename them or pass']), NO_EXOG),
    'not a frame': (lambda: panel().to_numpy(), (TypeError, ['DataFrame']), {}),
}

_FITTED = {}


def fitted():
    "One small model fitted on clean data, shared by the `predict(df=...)` cases"
    if 'm' not in _FITTED: _FITTED['m'] = LSTMForecast(h=H, hist_exog_list=['x'], **TINY).fit(panel())
    return _FITTED['m']


ENTRIES = {
    'check_df': lambda df: check_df(df, h=H, input_size=L, exog_cols=['x'])[0],
    'LSTM.fit': lambda df: LSTMForecast(h=H, hist_exog_list=['x'], **TINY).fit(df).predict(),
    'LSTM.predict': lambda df: fitted().predict(df=df),
    'LSTM.cross_validation': lambda df: LSTMForecast(h=H, hist_exog_list=['x'], **TINY).cross_validation(df, n_windows=2),
    'Naive.fit': lambda df: Naive(H).fit(df).predict(),
    'SeasonalNaive.fit': lambda df: SeasonalNaive(H, season_length=2).fit(df).predict(),
    'HistoricAverage.fit': lambda df: HistoricAverage(H).fit(df).predict(),
    'RandomWalkWithDrift.fit': lambda df: RandomWalkWithDrift(H).fit(df).predict(),
    'Naive.predict': lambda df: Naive(H).predict(df=df),
    'Forecasters.fit': lambda df: Forecasters([LSTMForecast(h=H, hist_exog_list=['x'], **TINY), Naive(H)]).fit(df).predict(),
}


def outcome(call, *frames):
    "Run `call()`; return its result or the exception it raised; assert the frames it was given are unchanged"
    before = [copy.deepcopy(f) for f in frames]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            return call()
    except Exception as e:  # noqa: BLE001 (judged by the caller)
        return e
    finally:
        for f, b in zip(frames, before): pd.testing.assert_frame_equal(f, b)


def check(result, expected):
    if expected == OK:
        assert not isinstance(result, Exception), f'expected success, got {type(result).__name__}: {result}'
        num = result.select_dtypes('number') if isinstance(result, pd.DataFrame) else None
        if num is not None: assert np.isfinite(num.to_numpy(dtype='float64')).all(), result
        return
    exc, fragments = expected
    assert type(result) in (exc, *exc.__subclasses__()), f'expected {exc.__name__}, got {type(result).__name__}: {result}'
    for frag in fragments: assert frag in str(result), f'{frag!r} not in {str(result)!r}'


assert tuple(ENTRIES) == ENTRY_NAMES
DATA_PARAMS = [(c, e) for c, (_, exp, over) in DATA.items() for e in ENTRIES if over.get(e, exp) != 'skip']


@pytest.mark.parametrize('case,entry', DATA_PARAMS, ids=[f'{c}-{e}' for c, e in DATA_PARAMS])
def test_bad_data(case, entry):
    build, expected, override = DATA[case]
    df = build()
    check(outcome(lambda: ENTRIES[entry](df), *([df] if isinstance(df, pd.DataFrame) else [])), override.get(entry, expected))


# ---------------------------------------------------------------- arguments: futr_df, static_df, h, level, wrong types
def exog_model():
    if 'e' not in _FITTED:
        df = panel().assign(f=lambda d: np.sin(np.arange(len(d))))
        static = pd.DataFrame({'unique_id': ['S0', 'S1'], 's': [0., 1.]})
        _FITTED['e'] = (LSTMForecast(h=H, futr_exog_list=['f'], stat_exog_list=['s'], loss=MQLoss(level=[80]), **TINY)
                        .fit(df, static_df=static), df, static)
    return _FITTED['e']


def futr():
    m, _, _ = exog_model()
    return m.make_future_dataframe().assign(f=0.5)


STATIC = pd.DataFrame({'unique_id': ['S0', 'S1'], 's': [0., 1.]})


def fit_static(static_df, **kw):
    return LSTMForecast(h=H, stat_exog_list=['s'], **TINY, **kw).fit(panel(), static_df=static_df)


def tv(v):  # id-safe repr
    return repr(v)[:20]


ARGS = {  # name -> (call taking the frames, frames, expected)
    'futr_df missing rows': (lambda f: exog_model()[0].predict(futr_df=f.iloc[:-2]), [futr],
                             (ValueError, ['futr_df is missing 2 of the 6 future rows', "('S1', ", 'make_future_dataframe()'])),
    'futr_df missing column': (lambda f: exog_model()[0].predict(futr_df=f.drop(columns='f')), [futr], (ValueError, ["futr_df is missing columns ['f']"])),
    'futr_df inf': (lambda f: exog_model()[0].predict(futr_df=f.assign(f=np.inf)), [futr], (ValueError, ["futr_df columns ['f'] must be numeric and not infinite"])),
    'futr_df text': (lambda f: exog_model()[0].predict(futr_df=f.assign(f='a')), [futr], (ValueError, ["futr_df columns ['f'] must be numeric and not infinite"])),
    'futr_df duplicates': (lambda f: exog_model()[0].predict(futr_df=pd.concat([f, f.iloc[:1]])), [futr], (ValueError, ['futr_df has duplicate (unique_id, ds) rows'])),
    'futr_df integer ds': (lambda f: exog_model()[0].predict(futr_df=f.assign(ds=np.arange(len(f)))), [futr],
                           (ValueError, ["futr_df's ds column does not match", 'use the same type'])),
    'futr_df absent': (lambda: exog_model()[0].predict(), [], (ValueError, ["futr_exog_list=['f'] needs futr_df", 'make_future_dataframe()'])),
    'futr_df not a frame': (lambda: exog_model()[0].predict(futr_df=[1, 2]), [], (TypeError, ['futr_df must be a DataFrame'])),
    'futr_df not a frame, unused': (lambda: fitted().predict(futr_df='f.csv'), [], (TypeError, ['futr_df must be a DataFrame'])),
    'static_df missing a series': (lambda s: fit_static(s.iloc[:1]), [lambda: STATIC], (ValueError, ["static_df has no row for series ['S1']", 'add one row per series'])),
    'static_df missing a series at predict': (lambda s, f: exog_model()[0].predict(futr_df=f, static_df=s.iloc[1:]), [lambda: STATIC, futr],
                                              (ValueError, ["static_df has no row for series ['S0']"])),
    'static_df missing column': (lambda s: fit_static(s.drop(columns='s')), [lambda: STATIC], (ValueError, ["static_df is missing columns ['s']"])),
    'static_df NaN': (lambda s: fit_static(s.assign(s=np.nan)), [lambda: STATIC], (ValueError, ["static_df has NaN or infinite values in ['s']", 'fill them'])),
    'static_df text': (lambda s: fit_static(s.assign(s='big')), [lambda: STATIC], (ValueError, ["static_df columns ['s'] must be numeric", 'one-hot'])),
    'static_df duplicate rows': (lambda s: fit_static(pd.concat([s, s])), [lambda: STATIC], (ValueError, ['static_df has several rows for series', 'keep one row per series'])),
    'static_df absent': (lambda: fit_static(None), [], (ValueError, ["stat_exog_list=['s'] needs static_df"])),
    'static_df not a frame': (lambda: fit_static({'S0': 1}), [], (TypeError, ['static_df must be a DataFrame'])),
    'static_df not a frame, unused': (lambda df: LSTMForecast(h=H, **TINY).fit(df, static_df='static.csv'), [panel], (TypeError, ['static_df must be a DataFrame'])),
    'Forecasters with different h': (lambda: Forecasters([LSTMForecast(h=3), Naive(4)]), [], (ValueError, ['the models forecast different horizons', 'same h'])),
    'Forecasters same alias': (lambda: Forecasters([Naive(3), Naive(3)]), [], (ValueError, ["several models share the alias ['Naive']", 'distinct alias'])),
    'Forecasters not a list': (lambda: Forecasters(Naive(3)), [], (TypeError, ['models must be a non-empty list'])),
    'Forecasters empty': (lambda: Forecasters([]), [], (TypeError, ['models must be a non-empty list'])),
    'Forecasters not a model': (lambda: Forecasters([Naive(3), 'ARIMA']), [], (TypeError, ["'ARIMA' is not a forecaster", 'fit, predict and an alias'])),
    'Forecasters predict before fit': (lambda: Forecasters([LSTMForecast(h=3, **TINY)]).predict(), [], (ValueError, ['not fitted yet', 'call fit(df) first'])),
    'predict before fit': (lambda: LSTMForecast(h=3).predict(), [], (ValueError, ['not fitted yet', 'call fit(df) first'])),
    'baseline predict before fit': (lambda: Naive(3).predict(), [], (ValueError, ['Naive is not fitted', 'call fit(df) first'])),
    'level on a point loss': (lambda: fitted().predict(level=[80]), [], (ValueError, ['needs intervals', 'prediction_intervals=PredictionIntervals()', 'MQLoss(level=[80.0])'])),
    'level the MQLoss was not trained for': (lambda f: exog_model()[0].predict(futr_df=f, level=[50]), [futr],
                                             (ValueError, ['needs quantiles [0.25, 0.75] that this MQLoss was not trained for', 'refit with MQLoss(level=[50.0])'])),
    'intervals without residuals': (lambda df: Naive(H).fit(df).predict(level=[80]), [one_point],
                                    (ValueError, ["series ['S1'] are too short for Naive to measure", 'predict without level'])),
    'cv too many windows': (lambda df: LSTMForecast(h=H, **TINY).cross_validation(df, n_windows=20), [panel],
                            (ValueError, ["series 'S0' has 30 rows: too short for 20 windows of h=3", 'use fewer windows'])),
    'val_size too large': (lambda df: LSTMForecast(h=H, **TINY).fit(df, val_size=25), [panel],
                           (ValueError, ["series 'S0' has 30 rows, too short for input_size=5 + h=3 + val_size=25", 'lower input_size or val_size'])),
    'backtest too many windows': (lambda df: Forecasters([Naive(H)]).cross_validation(df, n_windows=20), [panel],
                                  (ValueError, ["series 'S0' has 30 rows: too short for 20 windows of h=3", 'use fewer windows'])),
}

# horizons and levels, at every place that takes them
for h in (0, -1):
    ARGS[f'LSTMForecast h={h}'] = (lambda h=h: LSTMForecast(h=h), [], (ValueError, [f'h must be >= 1, got {h}']))
    for B in (Naive, HistoricAverage, RandomWalkWithDrift):
        ARGS[f'{B.__name__} h={h}'] = (lambda h=h, B=B: B(h), [], (ValueError, ['h must be a positive int', f'got {h}']))
    ARGS[f'SeasonalNaive h={h}'] = (lambda h=h: SeasonalNaive(h, season_length=12), [], (ValueError, ['h must be a positive int']))
ARGS['check_df h=-1'] = (lambda df: check_df(df, h=-1), [panel], (ValueError, ['h=-1 must be a non-negative integer']))
ARGS['check_df input_size=-2'] = (lambda df: check_df(df, input_size=-2), [panel], (ValueError, ['input_size=-2 must be a non-negative integer']))
for lv in (0, 100, -5, 150, [80, 100], float('nan')):
    ARGS[f'LSTM predict level={lv}'] = (lambda f, lv=lv: exog_model()[0].predict(futr_df=f, level=lv), [futr],
                                        (ValueError, ['level must hold numbers strictly between 0 and 100', 'for example level=(80, 90)']))
    ARGS[f'baseline predict level={lv}'] = (lambda df, lv=lv: Naive(H).fit(df).predict(level=lv), [panel], (ValueError, ['is outside (0, 100)', 'e.g. level=[80, 95]']))
    ARGS[f'MQLoss level={lv}'] = (lambda lv=lv: MQLoss(level=lv), [], (ValueError, ['level must hold numbers strictly between 0 and 100']))
ARGS['DistributionLoss level=100'] = (lambda: DistributionLoss('Normal', level=[100]), [], (ValueError, ['strictly between 0 and 100']))
ARGS['cross_validation level=120'] = (lambda df: LSTMForecast(h=H, loss=MQLoss(level=[80]), **TINY).cross_validation(df, level=[120]), [panel],
                                      (ValueError, ['strictly between 0 and 100']))
ARGS['Forecasters predict level=0'] = (lambda df: Forecasters([Naive(H), HistoricAverage(H)]).fit(df).predict(level=[0]), [panel], (ValueError, ['is outside (0, 100)']))
for lv in ('80', [None], True):
    ARGS[f'LSTM predict level={lv!r}'] = (lambda f, lv=lv: exog_model()[0].predict(futr_df=f, level=lv), [futr], ((TypeError, ValueError), ['level']))
    ARGS[f'baseline predict level={lv!r}'] = (lambda df, lv=lv: Naive(H).fit(df).predict(level=lv), [panel], (TypeError, ['level must', 'in percent']))

# wrong types (and values) for every argument of the constructors and methods
CTOR = {  # LSTMForecast argument -> bad values
    'h': [2.5, '3', None, True], 'input_size': [0, -1, 2.5, '4', True], 'loss': ['MAE', MAE, 1],
    'scaler_type': ['z-score', None], 'encoder_n_layers': [0, 1.5], 'encoder_hidden_size': [0, 2.0], 'encoder_dropout': [-0.1, 1, '0', np.nan],
    'decoder_hidden_size': [0, 'a'], 'decoder_layers': [-1, None], 'futr_exog_list': [1, [1], ['a', 'a'], ['y']],
    'hist_exog_list': [[None], 5], 'stat_exog_list': [3.0, ['unique_id']], 'recurrent': [1, 'yes', None], 'h_train': [0, 1.0],
    'max_steps': [0, 1.5, '10', None], 'learning_rate': [0, -1, 'a', np.inf, np.nan, True], 'batch_size': [0, 1.5],
    'val_check_steps': [0, 'a'], 'early_stop_patience_steps': [0, -2, 1.5], 'random_seed': [-1, 1.5, '0', None, 2**64],
    'freq': ['monthly', 0, 1.5, []], 'alias': ['', 1, None], 'n_samples': [0, 1.5], 'device': ['gpu', 1],
    'num_threads': [0, 1.5, '1', 10**6], 'lstm_impl': ['keras', None], 'verbose': ['yes', None], 'grad_clip_norm': [-1, 'a'],
    'optimizer': ['Adamm', 'lr_scheduler', None, 'LBFGS', 'SparseAdam'], 'lr_schedule': ['linear'], 'weight_decay': ['a', -1], 'bogus_option': [1],
}
for arg, values in CTOR.items():
    for v in values:
        # some settings are only checked when they are used: build and fit
        ARGS[f'LSTMForecast({arg}={tv(v)})'] = (lambda df, arg=arg, v=v: LSTMForecast(**{'h': H, **TINY, arg: v}).fit(df).predict(),
                                                [panel], ((TypeError, ValueError), [arg.split('_')[0] if arg != 'bogus_option' else 'bogus_option']))
METHOD = {  # (method, argument) -> bad values
    ('fit', 'df'): [5, None, np.zeros((3, 3))], ('fit', 'val_size'): [-1, 1.5, 'a'],
    ('predict', 'df'): [5, np.zeros(3)], ('predict', 'static_df'): [1],
    ('cross_validation', 'df'): [5], ('cross_validation', 'n_windows'): [0, 1.5], ('cross_validation', 'step_size'): [0, 'a'],
    ('cross_validation', 'refit'): ['yes', 0, -1, 1.5], ('cross_validation', 'val_size'): [-1], ('cross_validation', 'static_df'): [3],
}
for (meth, arg), values in METHOD.items():
    for v in values:
        def call(df, meth=meth, arg=arg, v=v):
            m = fitted() if meth == 'predict' else LSTMForecast(h=H, **TINY)
            kw = {'df': df, arg: v} if meth != 'predict' else {arg: v}
            return getattr(m, meth)(**kw)
        expect = ((TypeError, ValueError), ['DataFrame'] if arg == 'df' else [arg])
        ARGS[f'LSTMForecast.{meth}({arg}={tv(v)})'] = (call, [panel], expect)
for name, make in {'SeasonalNaive season_length': lambda v: SeasonalNaive(3, season_length=v)}.items():
    for v in (0, 2.5, None, '12'):
        ARGS[f'{name}={tv(v)}'] = (lambda v=v, make=make: make(v), [], (ValueError, ['season_length must be a positive int']))
for B in (Naive, SeasonalNaive, HistoricAverage, RandomWalkWithDrift):
    kw = {'season_length': 2} if B is SeasonalNaive else {}
    ARGS[f'{B.__name__}(freq="monthly")'] = (lambda B=B, kw=kw: B(3, freq='monthly', **kw), [], (ValueError, ["freq='monthly' is not a pandas offset alias"]))
    ARGS[f'{B.__name__}(alias=1)'] = (lambda B=B, kw=kw: B(3, alias=1, **kw), [], (TypeError, ['alias must be a non-empty string']))
    ARGS[f'{B.__name__}.fit(df="x.csv")'] = (lambda B=B, kw=kw: B(3, **kw).fit('x.csv'), [], (TypeError, ['check_df expects a pandas DataFrame']))
    ARGS[f'{B.__name__}.predict(df=5)'] = (lambda B=B, kw=kw: B(3, **kw).predict(df=5), [], (TypeError, ['check_df expects a pandas DataFrame']))
    ARGS[f'{B.__name__} freq=1 on dates'] = (lambda df, B=B, kw=kw: B(3, freq=1, **kw).fit(df), [panel], (ValueError, ['freq=1 does not match the datetime ds', 'pass an offset alias']))
ARGS['Forecasters.fit(df=5)'] = (lambda: Forecasters([Naive(3)]).fit(5), [], (TypeError, ['expected a long DataFrame']))
ARGS['Forecasters.cross_validation(n_windows=0)'] = (lambda df: Forecasters([Naive(3)]).cross_validation(df, n_windows=0), [panel], (ValueError, ['n_windows must be >= 1']))
# issue 15: levels without their own columns, samplers fed NaN, overflowing timestamps, reserved aliases, huge y
for lv in (1e-9, [80, 80.0000001]):
    frag = 'too close to 0' if lv == 1e-9 else 'level=80.0000001 has more digits than interval column names keep'
    ARGS[f'LSTM predict level={lv}'] = (lambda f, lv=lv: exog_model()[0].predict(futr_df=f, level=lv), [futr], (ValueError, [frag]))
    ARGS[f'MQLoss level={lv}'] = (lambda lv=lv: MQLoss(level=lv), [], (ValueError, [frag]))
    ARGS[f'DistributionLoss level={lv}'] = (lambda lv=lv: DistributionLoss('StudentT', level=lv), [], (ValueError, [frag]))
for v in (float('nan'), float('inf')):
    ARGS[f'_sample_gamma({v})'] = (lambda v=v: _sample_gamma(torch.tensor([v]), 2), [], (ValueError, ['cannot sample Gamma(a)', 'not finite']))
ARGS['StudentT sample with NaN df'] = (lambda: DistributionLoss('StudentT').sample((torch.zeros(1, 1), torch.ones(1, 1), torch.full((1, 1), float('nan'))), 2),
                                       [], (ValueError, ["parameters ['df'] hold NaN/inf", 'lower learning_rate']))
ARGS['set_seed(2**64)'] = (lambda: set_seed(2**64), [], (ValueError, ['is outside [0, 2**32 - 1]']))
ARGS['use_threads(10**6)'] = (lambda: use_threads(10**6), [], (ValueError, ['is more than this machine can use', 'num_threads=None']))
ARGS['future_dates overflow int64'] = (lambda: future_dates(np.array([2**63 - 5]), 1, 12), [], (ValueError, ['the future ds overflow int64', 'df.ds - df.ds.min()']))
ARGS['Naive on int ds near int64 max'] = (lambda df: Naive(H).fit(df.assign(ds=df.groupby('unique_id').cumcount() + (2**63 - 31))), [panel],
                                          (ValueError, ['the future ds overflow int64']))
ARGS['future_dates beyond 2262'] = (lambda: future_dates(pd.DatetimeIndex(['2262-03-01']).as_unit('ns'), 'MS', 3), [], (ValueError, ['the latest date pandas can represent']))
for B in (Naive, SeasonalNaive, HistoricAverage, RandomWalkWithDrift):
    kw = {'season_length': 2} if B is SeasonalNaive else {}
    for alias in ('y', 'cutoff'):
        ARGS[f'{B.__name__}(alias={alias!r})'] = (lambda B=B, kw=kw, alias=alias: B(3, alias=alias, **kw), [],
                                                  (ValueError, [f'alias={alias!r} is reserved', 'pass another alias']))
    ARGS[f'{B.__name__} y near 1e306'] = (lambda df, B=B, kw=kw: B(H, **kw).fit(df.assign(y=df.y * 1e306)).predict(level=[80]), [panel],
                                           (ValueError, ['are not finite (inf/NaN)', 'rescale y']))
# issue 15, the forecaster: save never deletes what it did not write, fit never guesses, aliases never overwrite keys
def _user_folder():
    d = Path(tempfile.mkdtemp()); (d / 'notes.txt').write_text('mine')
    return d
ARGS['save into a folder with the user\'s files'] = (lambda: fitted().save(_user_folder()), [], (ValueError, ['not a saved LSTMForecast', 'saving would delete them']))
ARGS['save(".")'] = (lambda: fitted().save('.'), [], (ValueError, ['cannot save into the current folder']))
ARGS['save("")'] = (lambda: fitted().save(''), [], (ValueError, ['cannot save into the current folder']))
ARGS['save onto a file'] = (lambda: fitted().save(_user_folder() / 'notes.txt'), [], (ValueError, ['is a file (or a link), not a folder']))
ARGS['save below a file'] = (lambda: fitted().save(_user_folder() / 'notes.txt' / 'm'), [], (ValueError, ['is a file, not a folder']))
ARGS['fit without ds'] = (lambda df: LSTMForecast(H, **TINY).fit(df.drop(columns='ds')), [panel], (ValueError, ["no column 'ds'", 'name your time column ds']))
ARGS['fit on a (unique_id, ds) index'] = (lambda df: LSTMForecast(H, **TINY).fit(df.set_index(['unique_id', 'ds'])), [panel],
                                          (ValueError, ['in its index', 'df.reset_index()']))
ARGS['predict(df=) without unique_id'] = (lambda df: fitted().predict(df=df.drop(columns='unique_id')), [panel], (ValueError, ["no column 'unique_id'"]))
ARGS['cross_validation on a Series'] = (lambda df: LSTMForecast(H, **TINY).cross_validation(df.set_index('ds')['y']), [panel], (TypeError, ['read_series']))
for alias in ('y', 'ds', 'unique_id', 'cutoff', 'LSTM-lo-80', 'LSTM-median'):
    ARGS[f'LSTMForecast(alias={alias!r})'] = (lambda alias=alias: LSTMForecast(H, alias=alias), [], (ValueError, [f'alias={alias!r}']))
ARGS['Forecasters alias clash with a baseline'] = (lambda: Forecasters([LSTMForecast(H, alias='Naive'), Naive(H)]), [], (ValueError, ['share the alias']))
ARGS['check_alias(unique_id)'] = (lambda: check_alias('unique_id'), [], (ValueError, ["alias='unique_id' is reserved"]))
ARGS['check_df(df=list)'] = (lambda: check_df([1, 2]), [], (TypeError, ['check_df expects a pandas DataFrame', 'read_series']))
ARGS['check_df(h=2.5)'] = (lambda df: check_df(df, h=2.5), [panel], (ValueError, ['h=2.5 must be a non-negative integer']))
ARGS['check_df(h=True)'] = (lambda df: check_df(df, h=True), [panel], (ValueError, ['h=True must be a non-negative integer']))
ARGS['check_df(input_size="5")'] = (lambda df: check_df(df, input_size='5'), [panel], (ValueError, ["input_size='5' must be a non-negative integer"]))
ARGS['check_df(freq="monthly")'] = (lambda df: check_df(df, freq='monthly'), [panel], (ValueError, ["freq='monthly' is not a pandas offset alias", "use one like 'D'"]))
ARGS['check_df(freq=1.5)'] = (lambda df: check_df(df, freq=1.5), [panel], (TypeError, ['freq must be a pandas offset alias (str) or an int step']))
ARGS['check_df(freq=1) on dates'] = (lambda df: check_df(df, freq=1), [panel], (ValueError, ['freq=1 does not match the datetime ds', "pass an offset alias, e.g. freq='D'"]))
ARGS['check_df(exog_cols=5)'] = (lambda df: check_df(df, exog_cols=5), [panel], (TypeError, ['exog_cols must be a list of column names']))
ARGS['check_df(exog_cols="x")'] = (lambda df: check_df(df, exog_cols='x'), [panel], (TypeError, ['exog_cols must be a list of column names']))
ARGS['check_df(id_col=3)'] = (lambda df: check_df(df, id_col=3), [panel], (ValueError, ['df is missing column(s) [3]', 'pass id_col=']))
ARGS['check_df(target_col="sales")'] = (lambda df: check_df(df, target_col='sales'), [panel], (ValueError, ["df is missing column(s) ['sales']"]))
ARGS['check_df(id_col="x") name clash'] = (lambda df: check_df(df, id_col='x'), [panel], (ValueError, ["df has both the columns ['unique_id']", 'drop or rename one']))


@pytest.mark.parametrize('case', list(ARGS))
def test_bad_arguments(case):
    call, builders, expected = ARGS[case]
    frames = [b() for b in builders]
    result = outcome(lambda: call(*frames), *frames)
    exc, fragments = expected
    excs = exc if isinstance(exc, tuple) else (exc,)
    assert isinstance(result, excs) and not isinstance(result, (KeyError, IndexError)), f'{type(result).__name__}: {result}'
    for frag in fragments: assert frag in str(result), f'{frag!r} not in {str(result)!r}'


# ---------------------------------------------------------------- read_series: what it reads
def _csv(tmp, name, text):
    p = Path(tmp) / name
    p.write_bytes(text) if isinstance(text, bytes) else p.write_text(text)
    return str(p)


READ = {
    'not a path or frame': (lambda t: read_series(5), TypeError, ['read_series takes a CSV path, a pd.Series or a pd.DataFrame', 'got int']),
    'None': (lambda t: read_series(None), TypeError, ['read_series takes a CSV path']),
    'a list': (lambda t: read_series([1., 2.]), TypeError, ['got list']),
    'empty file': (lambda t: read_series(_csv(t, 'e.csv', '')), ValueError, ["could not read", 'e.csv', 'No columns to parse', 'header row']),
    'binary file': (lambda t: read_series(_csv(t, 'b.csv', b'\x80\x81\xfe\x00\x00')), ValueError, ['could not read', 'as CSV']),
    'header only': (lambda t: read_series(_csv(t, 'h.csv', 'ds,y\n')), ValueError, ['the CSV file has no rows', 'at least one observation']),
    'empty frame': (lambda t: read_series(pd.DataFrame({'ds': [], 'y': []})), ValueError, ['the DataFrame has no rows']),
    'empty series': (lambda t: read_series(pd.Series([], dtype=float)), ValueError, ['the Series has no rows']),
    'missing column': (lambda t: read_series(panel(), target_col='sales'), ValueError, ["column 'sales' not found", 'the columns are']),
    'ambiguous target': (lambda t: read_series(panel().drop(columns='y').rename(columns={'unique_id': 'store'}).assign(z=1.)), ValueError,
                         ["cannot tell which of the columns ['x', 'z'] is the target", 'pass target_col=']),
    'two text columns': (lambda t: read_series(pd.DataFrame({'a': ['x', 'y'], 'b': ['u', 'v'], 'v': [1., 2.]})), ValueError,
                         ["several text columns ['a', 'b']", 'pass id_col=']),
    'no numeric column': (lambda t: read_series(pd.DataFrame({'when': ['2020-01-01', '2020-01-02'], 'v': ['a', 'b']}), time_col='when'),
                          ValueError, ['no numeric column', 'pass target_col=']),
    'unparseable time column': (lambda t: read_series(pd.DataFrame({'when': ['2020-01-01', 'later'], 'v': [1., 2.]}), time_col='when'),
                                ValueError, ["could not parse the time column 'when'", 'pd.to_datetime']),
    'rows with more fields than the header': (lambda t: read_series(_csv(t, 'm.csv', 'ds,y\n2000-01-01,101,1\n2000-01-02,102,1\n')), ValueError,
                                              ['its rows have more fields than its header row', 'check the separator']),
    'ambiguous day/month dates': (lambda t: read_series(pd.DataFrame({'d': ['01/02/2000', '01/03/2000', '01/04/2000'], 'y': [1., 2., 3.]})),
                                  ValueError, ["the dates in 'd' are ambiguous", 'YYYY-MM-DD']),
    'a directory': (lambda t: read_series(str(t)), ValueError, ['is a directory, not a CSV file']),
    '3-level MultiIndex Series': (lambda t: read_series(pd.Series([1.], index=pd.MultiIndex.from_tuples([(1, 2, 3)]))), ValueError,
                                  ['needs exactly 2 levels']),
}
# values it passes through unvalidated (documented: "not yet validated") are refused by check_df, as every entry point does
for name, text, frags in [('NaN in a CSV', 'unique_id,ds,y\na,2020-01-01,1\na,2020-01-02,\na,2020-01-03,3\n', ["column 'y' has 1 non-finite", 'fill them']),
                          ('inf in a CSV', 'unique_id,ds,y\na,2020-01-01,1\na,2020-01-02,inf\na,2020-01-03,3\n', ["column 'y' has 1 non-finite", '(inf)']),
                          ('text in a CSV', 'unique_id,ds,y\na,2020-01-01,1\na,2020-01-02,oops\na,2020-01-03,3\n', ["holds 'oops'", 'pd.to_numeric']),
                          ('duplicates in a CSV', 'unique_id,ds,y\na,2020-01-01,1\na,2020-01-01,2\na,2020-01-02,3\n', ['1 duplicate (unique_id, ds) rows']),
                          ('gap in a CSV', 'unique_id,ds,y\na,2020-01-01,1\na,2020-01-02,2\na,2020-01-03,3\na,2020-01-05,5\n', ['has a gap: 2020-01-04 is missing'])]:
    READ[name] = (lambda t, text=text: check_df(read_series(_csv(t, 'd.csv', text), verbose=False)), ValueError, frags)


@pytest.mark.parametrize('case', list(READ))
def test_read_series_bad_input(case, tmp_path):
    call, exc, fragments = READ[case]
    result = outcome(lambda: call(tmp_path))
    assert type(result) is exc, f'{type(result).__name__}: {result}'
    for frag in fragments: assert frag in str(result), f'{frag!r} not in {str(result)!r}'


def test_frames_given_to_read_series_are_not_mutated():
    wide = pd.DataFrame({'a': [1., 2., np.nan], 'b': [3., 4., 5.]}, index=pd.date_range('2020', periods=3, name='day'))
    outcome(lambda: read_series(wide, verbose=False), wide)
    outcome(lambda: read_series(wide, target_col='nope'), wide)


# ---------------------------------------------------------------- the command, in a subprocess
def _cli(args, cwd):
    exe = shutil.which('lstm_forecast')
    cmd = [exe] if exe else [sys.executable, '-c', 'from lstm_forecast.cli import cli; cli()']
    env = dict(os.environ, OMP_NUM_THREADS='1', MPLBACKEND='Agg')
    return run_timed(cmd + list(args), f"lstm_forecast {' '.join(map(str, args))}", timeout=900, cwd=cwd, env=env)


CLI = {  # name -> (frame to write as data.csv or None, extra args, expected: 0 or stderr fragments)
    'NaN in y': (lambda: edit(y={5: np.nan}), ['--h', '3', '--max-steps', '5'], 0),  # a missing value: forecast through it
    'text in y': (lambda: edit(y={5: 'abc'}), [], ["column 'y' must be numeric", "holds 'abc'"]),
    'duplicates': (lambda: pd.concat([panel(), panel().iloc[[3]]]), [], ['1 duplicate (unique_id, ds) rows']),
    'h=0': (panel, ['--h', '0'], ['--h must be a positive integer, got 0']),
    'level 150': (panel, ['--level', '150'], ['--level: level must hold numbers strictly between 0 and 100']),
    'too short for the holdout': (lambda: panel(T=20), ['--h', '12'], ["series 'S0' has 20 rows, too few for the holdout", 'lower --h']),
    'constant series': (lambda: panel().assign(y=7.), ['--h', '3', '--max-steps', '5'], 0),
    'level 1e-9': (panel, ['--level', '1e-9'], ['--level: level=1e-09 is too close to 0 to form interval columns']),
    'level with 9 digits': (panel, ['--level', '12.3456789'], ['--level: level=12.3456789 has more digits', 'pass level=12.3457']),
    'out is the input': (panel, ['--out', 'data.csv'], ['--out data.csv is the input CSV']),
    'out and plot the same': (panel, ['--out', 'f', '--plot', 'f'], ['--out and --plot are the same file (f)']),
    'csv is a directory': (panel, ['--csv', '.'], ['--csv . is a directory, not a CSV file']),
    'save-model into the working folder': (panel, ['--save-model', '.'], ['--save-model . holds the working folder']),
}


@pytest.mark.parametrize('case', list(CLI))
def test_command_bad_input(case, tmp_path):
    build, args, expected = CLI[case]
    build().drop(columns='x').to_csv(tmp_path / 'data.csv', index=False)
    r = _cli(['--csv', 'data.csv', '--quiet', *args], cwd=tmp_path)
    if expected == 0:
        assert r.returncode == 0, r.stderr
        f = pd.read_csv(tmp_path / 'forecast.csv')
        assert len(f) == 2 * 3 and np.isfinite(f.drop(columns=['unique_id', 'ds']).to_numpy()).all()
        return
    assert r.returncode == 2, (r.returncode, r.stderr)
    err = r.stderr.strip()
    assert err.startswith('lstm_forecast: error: ') and '\n' not in err and 'Traceback' not in err, err
    for frag in expected: assert frag in err, (frag, err)
    assert not (tmp_path / 'forecast.csv').exists()


# ---------------------------------------------------------------- constant series: the zero-scale rule, documented
@pytest.mark.parametrize('scaler', ['identity', 'standard', 'robust', 'minmax'])
@pytest.mark.parametrize('recurrent', [False, True])
def test_constant_series_forecast_near_the_constant(scaler, recurrent):
    "Scale < eps becomes 1 (windows are only shifted by their location), so a constant series trains and forecasts"
    df = panel().assign(y=lambda d: np.where(d.unique_id == 'S0', 42., -3.))
    m = LSTMForecast(h=H, scaler_type=scaler, recurrent=recurrent, loss=MQLoss(level=[80]), **{**TINY, 'max_steps': 30}).fit(df)
    f = m.predict()
    vals = f.drop(columns=['unique_id', 'ds']).to_numpy()
    assert np.isfinite(vals).all() and len(f) == 2 * H
    if scaler != 'identity':  # scaled windows are all zeros: the forecast is the location plus a small learned offset
        err = np.abs(f.LSTM.to_numpy() - np.where(f.unique_id == 'S0', 42., -3.))
        assert (err < 1.).all(), err


# ---------------------------------------------------------------- a table of every case, for the report
def report():
    rows = []
    def outcome_text(res):
        if isinstance(res, Exception): return f'{type(res).__name__}: {str(res)[:90]}'
        return 'ok (finite)'
    for c, e in DATA_PARAMS:
        df = DATA[c][0]()
        rows.append((f'{c} / {e}', outcome_text(outcome(lambda: ENTRIES[e](df), *([df] if isinstance(df, pd.DataFrame) else [])))))
    for c, (call, builders, _) in ARGS.items():
        frames = [b() for b in builders]
        rows.append((c, outcome_text(outcome(lambda: call(*frames), *frames))))
    import tempfile
    with tempfile.TemporaryDirectory() as t:
        for c, (call, _, _) in READ.items(): rows.append((f'read_series: {c}', outcome_text(outcome(lambda: call(t)))))
    for c in CLI: rows.append((f'lstm_forecast: {c}', 'exit 0' if CLI[c][2] == 0 else 'exit 2, one line on stderr'))
    return rows


if __name__ == '__main__':
    import torch
    torch.set_num_threads(1)
    rows = report()
    for name, res in rows: print(f'{name:60s} {res}')
    print(len(rows), 'cases')
