"The CUDA path: fit, predict and cross-validate on a GPU for both heads and a sampled loss (skipped without one; CI has none)."
import numpy as np
import pytest
import torch

from lstm_forecast.data import load_air_passengers
from lstm_forecast.forecaster import LSTMForecast
from lstm_forecast.losses import DistributionLoss, MAE

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason='no CUDA device')


@pytest.mark.parametrize('recurrent, loss', [(False, MAE()), (True, DistributionLoss('Normal', level=[80, 90]))])
def test_fit_predict_cv_on_cuda(recurrent, loss):
    df = load_air_passengers()
    m = LSTMForecast(h=12, loss=loss, recurrent=recurrent, device='cuda', max_steps=50).fit(df.iloc[:132])
    assert next(m.model_.parameters()).is_cuda
    f = m.predict()
    assert np.isfinite(f.drop(columns=['unique_id', 'ds']).to_numpy()).all()
    cv = m.cross_validation(df, n_windows=2)
    assert len(cv) == 24
