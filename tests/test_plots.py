"Plots: each returns a Figure under Agg and draws what it should, with one series and with many."
import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
import torch
from matplotlib.figure import Figure

from lstm_forecast.baselines import Naive, SeasonalNaive
from lstm_forecast.plots import plot_cv, plot_fit, plot_forecast, plot_history, plot_horizon_error, plot_series


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close('all')


def test_backend_is_agg():
    assert matplotlib.get_backend().lower() == 'agg'


def panel(n_series=3, seed=0, datetime=True):
    rng = np.random.default_rng(seed)
    lens = rng.integers(30, 50, n_series)
    ids = np.repeat([f's{i}' for i in range(n_series)], lens)
    pos = np.arange(lens.sum()) - np.repeat(lens.cumsum() - lens, lens)
    ds = pd.Timestamp('2020-01-01') + pd.to_timedelta(pos, unit='D') if datetime else pos
    return pd.DataFrame({'unique_id': ids, 'ds': ds, 'y': 10 + np.sin(pos / 3) + rng.normal(0, .1, len(ids))})


def cv_frame(n_series=2, n_windows=3, h=4):
    df = panel(n_series, datetime=False)
    last = df.groupby('unique_id').ds.max().to_numpy()  # [S]
    cut = last[:, None] - h * np.arange(n_windows, 0, -1)  # [S, W]
    rows = []
    for s, uid in enumerate(sorted(df.unique_id.unique())):  # test data construction only
        g = df[df.unique_id == uid].set_index('ds')
        for c in cut[s]:
            ds = np.arange(c + 1, c + h + 1)
            rows.append(pd.DataFrame({'unique_id': uid, 'ds': ds, 'cutoff': c, 'y': g.loc[ds, 'y'].to_numpy(),
                                      'A': g.loc[c, 'y'], 'B': g.loc[ds, 'y'].to_numpy() + 0.1 * np.arange(1, h + 1)}))
    return df, pd.concat(rows, ignore_index=True)


# --- plot_series ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize('n', [1, 3, 12])
def test_plot_series(n):
    fig, axes = plot_series(panel(n), max_series=8)
    assert isinstance(fig, Figure)
    assert len(axes) == min(n, 8)
    assert all(len(a.lines) == 1 for a in axes)
    assert [a.get_title() for a in axes] == sorted(f's{i}' for i in range(n))[:8]


def test_plot_series_ids_and_int_ids():
    df = panel(3).assign(unique_id=lambda d: d.unique_id.str[1:].astype(int))
    fig, axes = plot_series(df, ids=[2, 0])
    assert [a.get_title() for a in axes] == ['2', '0']
    with pytest.raises(ValueError, match=r"series \[7\] are not in the frame"):
        plot_series(df, ids=[7])


# --- plot_forecast --------------------------------------------------------------------------------------------

@pytest.mark.parametrize('n', [1, 5])
def test_plot_forecast_lines_and_bands(n):
    df = panel(n)
    fc = Naive(7).fit(df).predict(level=[50, 80, 95]).merge(
        SeasonalNaive(7, season_length=7).fit(df).predict(level=[80]), on=['unique_id', 'ds'])
    fig, axes = plot_forecast(df, fc, max_series=4)
    assert isinstance(fig, Figure) and len(axes) == min(n, 4)
    assert all(len(a.lines) == 3 for a in axes)  # history + 2 models
    assert all(len(a.collections) == 4 for a in axes)  # 3 Naive levels + 1 SeasonalNaive level
    _, axes = plot_forecast(df, fc, models=['Naive'], level=[95], test_df=df, max_insample_length=10)
    assert len(axes[0].lines) == 3 and len(axes[0].collections) == 1  # history, actuals, model
    assert len(axes[0].lines[0].get_xdata()) == 10


def test_plot_forecast_actuals_from_y_column_and_errors():
    df = panel(1)
    fc = Naive(3).fit(df.iloc[:-3]).predict().merge(df, on=['unique_id', 'ds'])
    _, axes = plot_forecast(df.iloc[:-3], fc)
    assert len(axes[0].lines) == 3 and len(axes[0].collections) == 0
    with pytest.raises(ValueError, match=r"lacks column\(s\) \['Naive-lo-90'"):
        plot_forecast(df, fc, level=90)
    with pytest.raises(ValueError, match='level=120 is outside'):
        plot_forecast(df, fc, level=120)


# --- plot_fit -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize('lookback', [1, 4])
def test_plot_fit_alignment(lookback):
    y = np.arange(50.)
    train_size = 33
    train_pred = torch.arange(train_size - lookback, dtype=torch.float32)[:, None] + 100  # [n, 1] like the tutorial
    test_pred = np.arange(50 - train_size - lookback) + 200.
    fig, ax = plot_fit(y, train_pred, test_pred, lookback)
    assert isinstance(fig, Figure) and len(ax.lines) == 3
    tr, te = ax.lines[1].get_ydata(), ax.lines[2].get_ydata()
    assert np.isnan(tr[:lookback]).all() and np.isnan(tr[train_size:]).all()
    assert tr[lookback] == 100 and tr[train_size - 1] == 100 + train_size - lookback - 1
    assert np.isnan(te[:train_size + lookback]).all() and te[train_size + lookback] == 200 and te[-1] == test_pred[-1]


def test_plot_fit_errors_and_given_ax():
    y = np.arange(20.)
    fig0, ax0 = plt.subplots()
    fig, ax = plot_fit(y, y[:9], y[:9], 1, train_size=10, ax=ax0)
    assert fig is fig0 and ax is ax0
    with pytest.raises(ValueError, match='train_size - lookback = 8 training windows'):
        plot_fit(y, y[:9], y[:8], 2, train_size=10)
    with pytest.raises(ValueError, match='N - train_size - lookback = 9 test windows'):
        plot_fit(y, y[:9], y[:10], 1)
    with pytest.raises(ValueError, match=r'shape \(9, 2\)'):
        plot_fit(y, np.zeros((9, 2)), y[:9], 1)
    with pytest.raises(ValueError, match='lookback must be a non-negative int'):
        plot_fit(y, y[:9], y[:9], -1)


# --- plot_history ---------------------------------------------------------------------------------------------

def _history(best=40):
    s = np.arange(0, 101, 10)
    return {'train': pd.DataFrame({'step': s, 'loss': 1 / (1 + s)}),
            'val': pd.DataFrame({'step': s[::2], 'loss': (s[::2] - 40.) ** 2 + 1}), 'best_step': best}


def test_plot_history():
    fig, ax = plot_history(_history(), logy=True)
    assert isinstance(fig, Figure)
    assert len(ax.lines) == 3 and len(ax.collections) == 1 and ax.get_yscale() == 'log'
    assert ax.lines[2].get_xdata()[0] == 40  # the best-step marker line
    _, ax = plot_history({**_history(), 'best_step': None})
    assert len(ax.lines) == 2 and len(ax.collections) == 0
    _, ax = plot_history({'train': _history()['train'], 'val': pd.DataFrame({'step': [], 'loss': []}),
                          'best_step': None})
    assert len(ax.lines) == 1


def test_plot_history_errors():
    with pytest.raises(ValueError, match='history must be a dict'):
        plot_history([1, 2])
    with pytest.raises(ValueError, match=r"history\['val'\] must be a DataFrame with columns step and loss"):
        plot_history({'train': _history()['train'], 'val': [1, 2]})


# --- plot_cv and plot_horizon_error ---------------------------------------------------------------------------

@pytest.mark.parametrize('n', [1, 3])
def test_plot_cv(n):
    df, cv = cv_frame(n_series=n, n_windows=3)
    fig, axes = plot_cv(cv, df=df)
    assert isinstance(fig, Figure) and len(axes) == n
    for a in axes:
        assert len(a.lines) == 3  # history + A + B, each model one broken line
        assert len(a.collections) == 1 and len(a.collections[0].get_segments()) == 3  # three cutoffs
        assert np.isnan(a.lines[1].get_ydata()).sum() == 2  # gaps between the three windows
    _, axes = plot_cv(cv, models='B')  # actuals from the cv frame itself
    assert len(axes[0].lines) == 2


def test_plot_cv_errors():
    _, cv = cv_frame()
    with pytest.raises(ValueError, match=r"cv_df lacks column\(s\) \['cutoff'\]"):
        plot_cv(cv.drop(columns='cutoff'))
    with pytest.raises(ValueError, match=r"cv_df lacks model column\(s\) \['C'\]"):
        plot_cv(cv, models=['C'])


@pytest.mark.parametrize('metric', ['mae', 'rmse', 'smape'])
def test_plot_horizon_error(metric):
    _, cv = cv_frame(n_series=3, n_windows=2, h=4)
    fig, ax = plot_horizon_error(cv, metric=metric)
    assert isinstance(fig, Figure) and len(ax.lines) == 2 and ax.get_ylabel() == metric
    b = ax.lines[1].get_ydata()
    assert ax.lines[1].get_xdata().tolist() == [1, 2, 3, 4]
    assert b == pytest.approx(np.array([0.1, 0.2, 0.3, 0.4]) if metric != 'smape' else b)  # B's error is 0.1 * step


def test_plot_horizon_error_without_cutoff_and_errors():
    df = panel(2, datetime=False)
    fc = Naive(5).fit(df.groupby('unique_id').head(25)).predict()
    fig, ax = plot_horizon_error(fc.merge(df, on=['unique_id', 'ds']), models=['Naive'], metric='mse')
    assert len(ax.lines) == 1 and len(ax.lines[0].get_xdata()) == 5
    with pytest.raises(ValueError, match="unknown metric 'r2'"):
        plot_horizon_error(fc.merge(df), metric='r2')
    with pytest.raises(ValueError, match=r"lacks column\(s\) \['y'\]"):
        plot_horizon_error(fc)


def test_plot_cv_one_step_windows_are_visible():
    from lstm_forecast.data import load_air_passengers
    from lstm_forecast.forecaster import backtest
    from lstm_forecast.baselines import Naive
    cv = backtest(Naive(h=1), load_air_passengers(), n_windows=5, step_size=1)
    fig, axes = plot_cv(cv)
    naive = [l for l in axes[0].lines if l.get_label() == 'Naive'][0]
    assert naive.get_marker() == 'o'  # single-point windows would otherwise draw nothing
    plt.close(fig)
