"""benchmarks/accuracy.py: the tuning/confirmation split is fixed and disjoint, and the metric matches a hand computation.
Tiny: no dataset is loaded and no model is fitted (the benchmark itself is run by hand, see benchmarks/README.md)."""
import importlib.util, sys
from pathlib import Path

import numpy as np
import pandas as pd

_spec = importlib.util.spec_from_file_location('bench_accuracy', Path(__file__).parents[1] / 'benchmarks' / 'accuracy.py')
A = importlib.util.module_from_spec(_spec); sys.modules['bench_accuracy'] = A; _spec.loader.exec_module(A)

# Written down before any tuning; changing it invalidates every comparison made on the confirmation half.
TUNING = {'sunspotarea', 'marathon', 'gapminder_fertility', 'ausbeer', 'UKgas', 'JohnsonJohnson', 'a10', 'h02', 'usmelec',
          'auscafe', 'txhousing', 'co2_weekly', 'melsyd_economy', 'hyndsight', 'pr_death_counts', 'nyc_flights', 'sf_temps',
          'jfk_temp', 'taylor'}

def test_split_fixed_disjoint_balanced():
    names = [d.name for d in A.DATASETS]
    assert len(names) == len(set(names)) >= 30
    assert set(A.HALF) == set(names) and set(A.HALF.values()) == {'tuning', 'confirmation'}
    assert {n for n, h in A.HALF.items() if h == 'tuning'} == TUNING
    assert A.split_halves() == A.HALF                                  # deterministic
    for key in (lambda d: d.panel, lambda d: d.group):                 # balanced within one per group
        for g in {key(d) for d in A.DATASETS}:
            halves = [A.HALF[d.name] for d in A.DATASETS if key(d) == g]
            assert abs(halves.count('tuning') - halves.count('confirmation')) <= 1
    assert sum(d.panel for d in A.DATASETS) >= 3

def test_mase_by_hand():
    y = [1., 2, 4, 7, 11, 16, 22, 29]                                  # one series, m=1, h=1, two windows: rows 6 and 7
    df = pd.DataFrame({'unique_id': 'a', 'ds': pd.date_range('2000', periods=8, freq='YS'), 'y': y})
    _, win = A.window_positions(df, h=1, n_windows=2)
    assert win.tolist() == [-1] * 6 + [0, 1]
    fc = df[win >= 0].assign(window=win[win >= 0], M=[20., 30.], SeasonalNaive=[16., 22.])
    t = A.mase_table(df, fc, h=1, m=1, n_windows=2)
    # window 0: scale mean|diff| of rows 0..5 = 3, |22-20| = 2; window 1: scale of rows 0..6 = 3.5, |29-30| = 1
    assert np.allclose(t['M'], [2 / 3, 1 / 3.5])
    assert np.allclose(t['SeasonalNaive'], [6 / 3, 7 / 3.5])
    rel = A.relative_mase(t, ['M'])
    assert np.isclose(rel['M'], (2 / 3 + 1 / 3.5) / (6 / 3 + 7 / 3.5))
    assert np.isclose(A.geo_mean([0.5, 2.0]), 1.0)

def test_mase_two_series_seasonal():
    "m=2, h=2, two series of different lengths; scales on each window's training part only"
    a = np.arange(10.) ** 2; b = np.array([5., 1, 6, 2, 7, 3, 8, 4, 9, 5, 10, 6])
    df = pd.concat([pd.DataFrame({'unique_id': 'a', 'ds': range(10), 'y': a}), pd.DataFrame({'unique_id': 'b', 'ds': range(12), 'y': b})],
                   ignore_index=True)
    _, win = A.window_positions(df, h=2, n_windows=2)
    fc = df[win >= 0].assign(window=win[win >= 0]); fc['F'] = fc['y'] + 1.0
    t = A.mase_table(df, fc, h=2, m=2, n_windows=2)
    for s, y in (('a', a), ('b', b)):
        for w in range(2):
            cut = len(y) - 2 * (2 - w)
            scale = np.mean(np.abs(y[2:cut] - y[:cut - 2]))   # seasonal differences inside the training part
            got = t[(t.unique_id == s) & (t.window == w)]['F'].item()
            assert np.isclose(got, 1.0 / scale)
