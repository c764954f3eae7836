"""The package on several processes: `LSTMForecast.fit`/`predict`/`save` on two ranks (gloo, spawned, bounded in
time) against one process, `train` failing on every rank at the same step, `n_jobs` giving the same bits, and
`max_epochs` counting passes over the windows. The helpers that launch ranks are in test_distributed.py."""
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from torch import nn

from test_distributed import _launch, _setenv


def _small_panel():
    from lstm_forecast.data import synthetic_panel
    return synthetic_panel(n_series=12, min_length=60, max_length=80, freq='D', seed=0)


def test_n_jobs_gives_the_same_bits():
    from lstm_forecast.baselines import SeasonalNaive
    from lstm_forecast.forecaster import Forecasters, LSTMForecast, PredictionIntervals
    df = _small_panel()
    make = lambda: [LSTMForecast(h=7, max_steps=30), LSTMForecast(h=7, max_steps=30, random_seed=1, alias='LSTM1'),
                    SeasonalNaive(h=7, season_length=7)]
    one, two = Forecasters(make()).fit(df), Forecasters(make()).fit(df, n_jobs=2)
    pd.testing.assert_frame_equal(one.predict(), two.predict(), check_exact=True)
    cv1 = LSTMForecast(h=7, max_steps=30).cross_validation(df, n_windows=3, refit=True)
    cv2 = LSTMForecast(h=7, max_steps=30).cross_validation(df, n_windows=3, refit=True, n_jobs=2)
    pd.testing.assert_frame_equal(cv1, cv2, check_exact=True)
    pi = PredictionIntervals(n_windows=2)
    p1 = LSTMForecast(h=7, max_steps=30).fit(df, prediction_intervals=pi).predict(level=[80])
    p2 = LSTMForecast(h=7, max_steps=30).fit(df, prediction_intervals=pi, n_jobs=2).predict(level=[80])
    pd.testing.assert_frame_equal(p1, p2, check_exact=True)
    f1 = Forecasters(make()).cross_validation(df, n_windows=2, n_jobs=1)
    f2 = Forecasters(make()).cross_validation(df, n_windows=2, n_jobs=2)
    pd.testing.assert_frame_equal(f1, f2, check_exact=True)


def test_fit_refuses_a_bad_n_jobs():
    from lstm_forecast.forecaster import LSTMForecast
    with pytest.raises(ValueError, match='n_jobs must be a positive integer or -1'):
        LSTMForecast(h=7, max_steps=5).fit(_small_panel(), n_jobs=0)


def test_max_epochs_counts_passes_over_the_windows():
    from lstm_forecast.forecaster import LSTMForecast
    df = _small_panel()
    m = LSTMForecast(h=7, input_size=14, max_epochs=2, batch_size=32).fit(df)
    windows = int((df.groupby('unique_id').size() - 14 - 7 + 1).sum())
    assert len(m.history_['train']) == -(-2 * windows // 32)
    with pytest.raises(ValueError, match='max_epochs must be a positive number'): LSTMForecast(h=7, max_epochs=-1)


def _forecaster_worker(rank, world, port, out):
    _setenv(rank, world, port)
    from lstm_forecast.forecaster import LSTMForecast
    m = LSTMForecast(h=7, max_steps=40, batch_size=31, val_check_steps=5, early_stop_patience_steps=2)
    m.fit(_small_panel(), val_size=7)
    fc = m.predict()
    saved = m.save(Path(out) / 'model')                          # rank 0 writes, every rank gets the path
    weights = torch.cat([p.detach().flatten() for p in m.model_.parameters()])
    torch.save(dict(fc=fc, saved=saved, weights=weights, train=m.history_['train'], val=m.history_['val'],
                    best=m.history_['best_step'], stopped=m.history_['stopped']), Path(out) / f'{rank}.pt')
    (Path(out) / f'{rank}.done').touch()


def test_lstmforecast_on_two_ranks(tmp_path):
    from lstm_forecast.forecaster import LSTMForecast
    _launch(_forecaster_worker, 2, str(tmp_path), done=tmp_path)
    r0, r1 = (torch.load(tmp_path / f'{r}.pt', weights_only=False) for r in (0, 1))
    one = LSTMForecast(h=7, max_steps=40, batch_size=31, val_check_steps=5, early_stop_patience_steps=2)
    one.fit(_small_panel(), val_size=7)
    assert torch.equal(r0['weights'], r1['weights'])                          # the same network on both ranks
    pd.testing.assert_frame_equal(r0['fc'], r1['fc'], check_exact=True)      # the same complete forecasts
    pd.testing.assert_frame_equal(r0['fc'][['unique_id', 'ds']], one.predict()[['unique_id', 'ds']])
    assert (r0['train'].loss == r1['train'].loss).all() and (r0['val'].loss == r1['val'].loss).all()
    assert r0['best'] == r1['best'] and r0['stopped'] == r1['stopped']       # they stop at the same step
    np.testing.assert_allclose(r0['train'].loss[:10], one.history_['train'].loss[:10], rtol=1e-4)
    assert r0['saved'] == r1['saved'] == tmp_path / 'model'
    assert sorted(p.name for p in tmp_path.iterdir()) == ['0.done', '0.pt', '1.done', '1.pt', 'model']
    loaded = LSTMForecast.load(tmp_path / 'model')   # one process, all series in one batch: the same to float rounding
    pd.testing.assert_frame_equal(loaded.predict(), r0['fc'], check_exact=False, rtol=1e-6)


class _Windows:
    "Ten windows for `train`: inputs [10, 4, 1], targets [10, 2]; window 7's target is infinite"
    def __init__(self):
        self.x, self.y = torch.randn(10, 4, 1, generator=torch.Generator().manual_seed(0)), torch.zeros(10, 2)
        self.y[7] = float('inf')
    def __len__(self): return 10
    def batch(self, idx): return {'x': self.x[idx], 'target': self.y[idx]}


class _Tiny(nn.Module):
    def __init__(self): super().__init__(); self.lin = nn.Linear(4, 2)
    def forward(self, x): return self.lin(x[..., 0])                                   # [B, 4, 1] -> [B, 2]


def _diverge_worker(rank, world, port, out):
    _setenv(rank, world, port)
    from lstm_forecast.train import TrainConfig, TrainingDiverged, train
    mse = lambda target, out, mask=None: ((out - target) ** 2).mean()
    try: train(_Tiny(), mse, _Windows(), None, TrainConfig(max_steps=5, batch_size=10, device='cpu'))
    except TrainingDiverged as e: (Path(out) / f'{rank}.txt').write_text(str(e))
    (Path(out) / f'{rank}.done').touch()


def test_a_diverging_share_stops_every_rank_at_the_same_step(tmp_path):
    "Only one rank holds the infinite window; both raise TrainingDiverged at step 1 (none waits for the other)"
    _launch(_diverge_worker, 2, str(tmp_path), done=tmp_path)
    msgs = [(tmp_path / f'{r}.txt').read_text() for r in (0, 1)]
    assert all(m.startswith('training diverged at step 1:') for m in msgs), msgs
