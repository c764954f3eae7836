"The training loop: seeds, early stopping, best weights, divergence and interruption."
import os, re

import numpy as np
import pytest
import torch
from torch import nn

from lstm_forecast.train import (MAX_THREADS, OPTIMIZERS, TrainConfig, TrainingDiverged, validation_loss, set_seed, train,
                                 get_device, use_threads)


class Windows:
    def __init__(self, y, L=12, h=3):
        self.w = torch.as_tensor(y, dtype=torch.float32).unfold(0, L + h, 1)
        self.L = L
    def __len__(self): return len(self.w)
    def batch(self, idx):
        w = self.w[idx]
        return {'x': w[:, :self.L, None], 'target': w[:, self.L:]}


class Net(nn.Module):
    def __init__(self, h=3):
        super().__init__()
        self.lstm, self.head = nn.LSTM(1, 8, batch_first=True), nn.Linear(8, h)
    def forward(self, x):
        return self.head(self.lstm(x)[0][:, -1])


def mse(t, o, m=None): return ((t - o) ** 2).mean()


y = np.sin(np.arange(200) / 4) + 0.05 * np.random.default_rng(0).normal(size=200)
TR, VA = Windows(y[:150]), Windows(y[138:])


def params(m): return torch.cat([p.detach().flatten() for p in m.parameters()])


def test_same_seed_same_weights_different_seed_different():
    def fit(seed):
        set_seed(seed); m = Net()
        train(m, mse, TR, VA, TrainConfig(max_steps=40, val_check_steps=10, random_seed=seed))
        return params(m)
    assert torch.equal(fit(3), fit(3))
    assert not torch.equal(fit(3), fit(4))


def test_best_weights_are_restored():
    set_seed(0); m = Net()
    hist = train(m, mse, TR, VA, TrainConfig(max_steps=120, learning_rate=2e-2, val_check_steps=10))
    assert validation_loss(m, mse, VA) == pytest.approx(hist['val'].loss.min(), rel=1e-6)
    assert hist['best_step'] == int(hist['val'].step[hist['val'].loss.idxmin()])


def test_early_stopping_counts_validation_checks():
    set_seed(0); m = Net()
    hist = train(m, mse, TR, VA, TrainConfig(max_steps=5000, learning_rate=5e-2, val_check_steps=5, early_stop_patience_steps=2))
    assert hist['stopped'] == 'early_stop'
    v = hist['val'].loss.to_numpy()
    # stopped right after two checks in a row that did not beat the best before them
    assert v[-1] >= v[:-2].min() and v[-2] >= v[:-2].min()
    assert len(hist['train']) == hist['val'].step.iloc[-1]


def test_history_without_validation():
    set_seed(0); m = Net()
    hist = train(m, mse, TR, None, TrainConfig(max_steps=15))
    assert len(hist['train']) == 15 and hist['val'].empty and hist['best_step'] == 15


def test_divergence_is_a_clear_error():
    class Bad(Net):
        def forward(self, x): return super().forward(x) * float('nan')
    with pytest.raises(TrainingDiverged, match='training diverged at step 1.*learning_rate'):
        train(Bad(), mse, TR, None, TrainConfig(max_steps=3))
    assert issubclass(TrainingDiverged, ValueError)


def test_keyboard_interrupt_restores_best_weights():
    class Interrupting(Windows):
        calls = 0
        def batch(self, idx):
            Interrupting.calls += 1
            if Interrupting.calls == 80: raise KeyboardInterrupt
            return super().batch(idx)
    set_seed(0); m = Net()
    data = Interrupting(y[:150])
    with pytest.raises(KeyboardInterrupt):
        train(m, mse, data, VA, TrainConfig(max_steps=500, learning_rate=2e-2, val_check_steps=10))
    # the model holds a validated snapshot, not the weights of the interrupted step
    set_seed(0); ref = Net()
    Interrupting.calls = -10**9  # never interrupt: replay the same run
    hist = train(ref, mse, Interrupting(y[:150]), VA, TrainConfig(max_steps=70, learning_rate=2e-2, val_check_steps=10))
    assert validation_loss(m, mse, VA) == pytest.approx(hist['val'].loss.min(), rel=1e-6)
    assert not m.training


class Empty(Windows):
    def __len__(self): return 0


def test_no_training_windows():
    with pytest.raises(ValueError, match='no training windows'):
        train(Net(), mse, Empty(y[:15], L=12, h=3), None, TrainConfig(max_steps=2))


@pytest.mark.parametrize('kw, msg', [
    (dict(max_steps=-1), 'max_steps must be a positive integer'),
    (dict(batch_size=0), 'batch_size must be a positive integer'),
    (dict(val_check_steps=1.5), 'val_check_steps must be a positive integer'),
    (dict(early_stop_patience_steps=0), 'early_stop_patience_steps must be -1'),
    (dict(learning_rate=-1), 'learning_rate must be a positive number'),
    (dict(grad_clip_norm=0), 'grad_clip_norm must be positive'),
    (dict(optimizer='Adamx'), 'is not in torch.optim'),
    (dict(lr_schedule='linear'), 'lr_schedule must be one of'),
])
def test_config_errors(kw, msg):
    with pytest.raises(ValueError, match=msg): TrainConfig(**kw)


def test_devices_and_threads():
    assert get_device('cpu').type == 'cpu'
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match='CUDA is not available'): get_device('cuda')
    with pytest.raises(TypeError): get_device(3)
    n = torch.get_num_threads()
    with use_threads(1): assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == n
    with pytest.raises(ValueError, match='num_threads'):
        with use_threads(0): pass


# ---------------------------------------------------------------- issue 15: threads, seeds, optimizers
def test_num_threads_is_bounded_before_torch_sees_it():
    "In a subprocess: torch.set_num_threads(10**6) kills the process, so the refusal must come first"
    import subprocess, sys
    from helpers import run_timed
    code = '''
from lstm_forecast.data import synthetic_panel
from lstm_forecast.forecaster import LSTMForecast
try: LSTMForecast(h=3, input_size=5, max_steps=2, num_threads=10**6).fit(synthetic_panel(n_series=1, freq='D')); print('fitted')
except ValueError as e: print('ValueError:', e)
'''
    r = run_timed([sys.executable, '-c', code], 'LSTMForecast(num_threads=10**6).fit', timeout=300)
    assert r.returncode == 0, (r.returncode, r.stderr[-2000:])
    assert 'ValueError: num_threads=1000000 is more than this machine can use' in r.stdout, r.stdout
    assert f'up to {MAX_THREADS}' in r.stdout


def test_threads_limit_and_messages():
    assert MAX_THREADS == 4 * (os.cpu_count() or 1)
    TrainConfig(num_threads=MAX_THREADS); TrainConfig(num_threads=None)
    with pytest.raises(ValueError, match='num_threads=.* is more than this machine can use'): TrainConfig(num_threads=MAX_THREADS + 1)
    with pytest.raises(ValueError, match='is more than this machine can use'): use_threads(10**6)
    with pytest.raises(ValueError, match='num_threads must be a positive int or None'): use_threads(0)


@pytest.mark.parametrize('seed', [2**64, 2**32, -1])
def test_seeds_outside_the_numpy_torch_range_are_refused(seed):
    for call in (lambda: set_seed(seed), lambda: TrainConfig(random_seed=seed)):
        with pytest.raises(ValueError, match=re.escape(f'random_seed={seed} is outside [0, 2**32 - 1]')): call()
    set_seed(2**32 - 1); TrainConfig(random_seed=2**32 - 1)


@pytest.mark.parametrize('name', ['LBFGS', 'SparseAdam', 'Rprop', 'Optimizer', 'lr_scheduler'])
def test_unsupported_optimizers_are_refused_with_the_list(name):
    with pytest.raises(ValueError, match=re.escape(f"optimizer {name!r}")) as e: TrainConfig(optimizer=name)
    assert "use one of the supported optimizers ['Adam', 'AdamW', 'SGD'" in str(e.value)


@pytest.mark.parametrize('name', OPTIMIZERS)
def test_every_supported_optimizer_trains(name):
    "An LSTM has 1-d biases and dense gradients: every listed optimizer must drive it with weight_decay"
    set_seed(0)
    hist = train(Net(), mse, TR, config=TrainConfig(max_steps=3, optimizer=name, weight_decay=0.01, batch_size=8))
    assert len(hist['train']) == 3 and np.isfinite(hist['train'].loss).all()


# ---------------------------------------------------------------- averaged weights (EMA)
def test_ema_ends_with_the_average_and_leaves_the_path_alone():
    def fit(**kw):
        set_seed(0); m = Net()
        return m, train(m, mse, TR, None, TrainConfig(max_steps=60, learning_rate=2e-2, **kw))
    plain, h0 = fit(ema_decay=None)
    avg, h1 = fit(ema_decay=0.9)
    assert h0['train'].loss.tolist() == h1['train'].loss.tolist()  # the optimiser's path is the same
    assert not torch.equal(params(plain), params(avg))            # but it ends with the averaged weights
    assert validation_loss(avg, mse, VA) < validation_loss(Net(), mse, VA)  # which are trained weights, not the initial ones


def test_ema_update_is_the_moving_average():
    from lstm_forecast.train import _ema_update
    ema, w = [torch.zeros(3)], [torch.ones(3)]
    for decay in (0.5, 0.5, 0.9):
        _ema_update(ema, w, decay)
    assert torch.allclose(ema[0], torch.full((3,), 1 - 0.5 * 0.5 * 0.9))


def test_ema_with_validation_keeps_the_best_averaged_weights():
    set_seed(0); m = Net()
    hist = train(m, mse, TR, VA, TrainConfig(max_steps=120, learning_rate=2e-2, val_check_steps=10, ema_decay=0.95))
    assert validation_loss(m, mse, VA) == pytest.approx(hist['val'].loss.min(), rel=1e-6)


@pytest.mark.parametrize('bad', [0, 1, 1.5, -0.1, 'a', True])
def test_ema_decay_is_checked(bad):
    with pytest.raises(ValueError, match='ema_decay must be a number in'):
        TrainConfig(ema_decay=bad)
