"""The CUDA path of lstm_forecast.distributed (skipped without CUDA; CI has none): one GPU fits, predicts, saves and
loads as before with the process-group code in place; with two GPUs, two ranks train over nccl, each on its own GPU
(LOCAL_RANK), and hold identical weights and forecasts."""
from pathlib import Path

import pandas as pd
import pytest
import torch

from test_distributed import _launch, _setenv

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason='no CUDA device')


def _panel():
    from lstm_forecast.data import synthetic_panel
    return synthetic_panel(n_series=12, min_length=60, max_length=80, freq='D', seed=0)


def test_one_gpu_fit_predict_save_load(tmp_path):
    from lstm_forecast.forecaster import LSTMForecast
    m = LSTMForecast(h=7, max_epochs=1, device='cuda').fit(_panel(), val_size=7)
    assert next(m.model_.parameters()).is_cuda
    fc = m.predict()
    back = LSTMForecast.load(m.save(tmp_path / 'gpu'))
    pd.testing.assert_frame_equal(back.predict(), fc, check_exact=False, rtol=1e-5)


def _nccl_worker(rank, world, port, out):
    _setenv(rank, world, port)
    from lstm_forecast.distributed import dist_info
    from lstm_forecast.forecaster import LSTMForecast
    m = LSTMForecast(h=7, max_steps=40, batch_size=32, device='auto').fit(_panel())
    dev = next(m.model_.parameters()).device
    assert torch.distributed.get_backend() == 'nccl' and dev == torch.device('cuda', rank), (dev, rank)
    torch.save(dict(fc=m.predict(), w=torch.cat([p.detach().flatten().cpu() for p in m.model_.parameters()]),
                    world=dist_info().world_size), Path(out) / f'{rank}.pt')
    (Path(out) / f'{rank}.done').touch()


@pytest.mark.skipif(torch.cuda.device_count() < 2, reason='needs two GPUs')
def test_two_gpus_over_nccl(tmp_path):
    _launch(_nccl_worker, 2, str(tmp_path), done=tmp_path)
    r0, r1 = (torch.load(tmp_path / f'{r}.pt', weights_only=False) for r in (0, 1))
    assert r0['world'] == r1['world'] == 2 and torch.equal(r0['w'], r1['w'])
    pd.testing.assert_frame_equal(r0['fc'], r1['fc'], check_exact=True)
