"Losses: the quantile and likelihood estimators are right, intervals are ordered, the mask excludes targets."
import inspect
import math
import re

import pytest
import torch

from lstm_forecast.losses import (DistributionLoss, Huber, MAE, MQLoss, MSE, _t_icdf, level_to_quantiles,
                                  quantile_columns)

ALL_LOSSES = [MAE(), MSE(), Huber(), Huber(delta=0.3), MQLoss(), MQLoss(quantiles=(0.1, 0.9)),
              DistributionLoss('Normal'), DistributionLoss('StudentT', level=(50, 95))]
IDS = [repr(l) for l in ALL_LOSSES]


def raw_for(loss, B=4, h=3, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(B, h, loss.outputsize_multiplier, generator=g)


# --- levels and names ---------------------------------------------------------------------------------------------

def test_level_to_quantiles_and_columns_share_one_order():
    qs = level_to_quantiles([90, 80, 90])  # unsorted, duplicated: same answer
    assert qs == [0.5, 0.05, 0.1, 0.9, 0.95]
    assert quantile_columns(qs, 'LSTM') == ['LSTM-median', 'LSTM-lo-90', 'LSTM-lo-80', 'LSTM-hi-80', 'LSTM-hi-90']
    assert quantile_columns(level_to_quantiles([99.5])) == ['LSTM-median', 'LSTM-lo-99.5', 'LSTM-hi-99.5']


@pytest.mark.parametrize('bad', [(0,), (100,), (-5,), (), (80, 120)])
def test_level_out_of_range_is_refused(bad):
    with pytest.raises(ValueError, match='strictly between 0 and 100'):
        level_to_quantiles(bad)


@pytest.mark.parametrize('bad', ['90', None, True])
def test_level_of_wrong_type_is_refused(bad):
    with pytest.raises((TypeError, ValueError), match='level'):
        level_to_quantiles(bad)


def test_no_mutable_defaults_and_inputs_not_mutated():
    for cls in (MQLoss, DistributionLoss, Huber):
        for p in inspect.signature(cls).parameters.values():
            assert not isinstance(p.default, (list, dict, set)), (cls, p.name)
    level = [90, 80]
    MQLoss(level=level); DistributionLoss('Normal', level=level)
    assert level == [90, 80]


# --- every loss: interface ----------------------------------------------------------------------------------------

@pytest.mark.parametrize('loss', ALL_LOSSES, ids=IDS)
def test_interface_shapes_and_no_mutation(loss):
    B, h = 4, 3
    y, raw = torch.randn(B, h), raw_for(loss, B, h)
    y0, raw0 = y.clone(), raw.clone()
    raw.requires_grad_(True)
    value = loss(y, raw)
    value.backward()
    assert value.dim() == 0 and torch.isfinite(value) and torch.isfinite(raw.grad).all()
    assert torch.equal(y, y0) and torch.equal(raw.detach(), raw0)
    params = loss.domain_map(raw.detach())
    assert loss.point(params).shape == (B, h)
    assert loss.quantiles(params, loss.qs).shape == (B, h, len(loss.qs))
    assert loss.quantiles(params, []).shape == (B, h, 0)
    assert len(quantile_columns(loss.qs)) == len(loss.qs)
    if loss.is_distribution:
        s1 = loss.sample(params, 7, torch.Generator().manual_seed(3))
        s2 = loss.sample(params, 7, torch.Generator().manual_seed(3))
        assert s1.shape == (7, B, h) and torch.equal(s1, s2)
    else:
        with pytest.raises(ValueError, match='not a distribution'):
            loss.sample(params, 2)


@pytest.mark.parametrize('loss', ALL_LOSSES, ids=IDS)
def test_shape_errors_name_the_fix(loss):
    y = torch.randn(4, 3)
    with pytest.raises(ValueError, match='outputsize_multiplier'):
        loss(y, torch.randn(4, 3, loss.outputsize_multiplier + 1))
    with pytest.raises(ValueError, match=r'y must be \[B, h\]'):
        loss(y[0], raw_for(loss))
    with pytest.raises(ValueError, match='mask must have the shape of y'):
        loss(y, raw_for(loss), mask=torch.ones(4, 2))


@pytest.mark.parametrize('loss', [MAE(), MSE(), Huber()], ids=repr)
def test_point_losses_have_no_intervals(loss):
    params = loss.domain_map(raw_for(loss))
    with pytest.raises(ValueError, match='point forecasts only'):
        loss.quantiles(params, [0.1, 0.9])
    assert loss.qs == () and loss.level is None and not loss.is_distribution


def test_point_loss_values():
    y, raw = torch.tensor([[0., 0., 0.]]), torch.tensor([[[0.5], [-2.], [1.]]])
    assert torch.isclose(MAE()(y, raw), torch.tensor(3.5 / 3))
    assert torch.isclose(MSE()(y, raw), torch.tensor(5.25 / 3))
    # Huber(delta=1): 0.5 e^2 inside, delta*(|e| - delta/2) outside
    assert torch.isclose(Huber()(y, raw), torch.tensor((0.125 + 1.5 + 0.5) / 3))
    with pytest.raises(ValueError, match='delta must be positive'):
        Huber(delta=0)


# --- the mask -----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize('loss', ALL_LOSSES, ids=IDS)
def test_mask_excludes_targets(loss):
    B, h = 4, 3
    y, raw = torch.randn(B, h), raw_for(loss, B, h).requires_grad_(True)
    mask = torch.ones(B, h); mask[0, 2] = 0; mask[3, :] = 0
    y_bad = y.clone(); y_bad[0, 2] = float('nan'); y_bad[3, :] = 1e6
    masked = loss(y_bad, raw, mask)
    masked.backward()
    assert torch.isfinite(masked) and torch.isfinite(raw.grad).all()
    assert (raw.grad[3] == 0).all() and (raw.grad[0, 2] == 0).all()
    # equals the loss over the kept targets only
    kept = loss(y[:3, :2], raw.detach()[:3, :2])
    parts = [loss(y[1:3, 2:], raw.detach()[1:3, 2:])]
    n_kept, n_part = 6, 2
    assert torch.isclose(masked, (kept * n_kept + parts[0] * n_part) / (n_kept + n_part), atol=1e-6)
    assert loss(y, raw.detach(), torch.zeros(B, h)) == 0
    assert torch.equal(loss(y_bad, raw.detach(), mask.bool()), masked.detach())  # a boolean mask works too


@pytest.mark.parametrize('loss', ALL_LOSSES, ids=IDS)
def test_config_rebuilds_the_loss(loss):
    rebuilt = type(loss)(**loss.config)
    assert repr(rebuilt) == repr(loss) and rebuilt.qs == loss.qs
    raw, y = raw_for(loss), torch.randn(4, 3)
    assert torch.equal(rebuilt(y, raw), loss(y, raw))


# --- quantile loss ------------------------------------------------------------------------------------------------

def test_mqloss_is_minimised_by_the_true_quantiles():
    # an asymmetric distribution (exponential): fit one constant per quantile by gradient descent
    torch.manual_seed(0)
    y = torch.empty(4000, 1).exponential_()  # [B, h=1]
    loss = MQLoss(level=(80, 90))
    c = torch.zeros(loss.outputsize_multiplier, requires_grad=True)
    opt = torch.optim.Adam([c], lr=0.05)
    for _ in range(400):
        opt.zero_grad(); loss(y, c.expand(len(y), 1, -1)).backward(); opt.step()
    true_q = torch.tensor([-math.log(1 - q) for q in loss.qs])  # exponential quantiles
    empirical = torch.quantile(y[:, 0], torch.tensor(loss.qs))
    assert torch.allclose(c.detach(), empirical, atol=0.04), (c, empirical)
    assert torch.allclose(c.detach(), true_q, atol=0.15), (c, true_q)


def test_mqloss_exact_minimiser_on_a_grid():
    torch.manual_seed(1)
    y = torch.randn(501, 1)
    for q in (0.05, 0.3, 0.5, 0.95):
        loss = MQLoss(quantiles=[q])
        idx = loss.qs.index(q)
        grid = torch.sort(y[:, 0]).values  # the minimiser is an order statistic
        pin = lambda c: torch.maximum(q * (y - c), (q - 1) * (y - c)).mean()
        best = grid[torch.stack([pin(g) for g in grid]).argmin()]
        raw = torch.zeros(501, 1, loss.outputsize_multiplier); raw[..., idx] = best
        raw_off = raw.clone(); raw_off[..., idx] += 0.05
        assert loss(y, raw) < loss(y, raw_off)
        assert abs(best - torch.quantile(y[:, 0], q)) < 0.02


def test_mqloss_median_always_present_and_crossing_fixed():
    loss = MQLoss(quantiles=[0.9, 0.1])
    assert loss.qs == (0.5, 0.1, 0.9) and loss.outputsize_multiplier == 3 and loss.level == (80.0,)
    crossed = torch.tensor([[[0., 1., -1.]]])  # median 0, q10 = 1 > q90 = -1
    assert torch.equal(loss.quantiles(crossed, [0.1, 0.5, 0.9]), torch.tensor([[[-1., 0., 1.]]]))
    with pytest.raises(ValueError, match='not one of them'):
        loss.quantiles(crossed, [0.25])
    with pytest.raises(ValueError, match='strictly between 0 and 1'):
        MQLoss(quantiles=[0.5, 1.0])


# --- distribution loss --------------------------------------------------------------------------------------------

def test_normal_head_recovers_mean_and_std():
    torch.manual_seed(0)
    y = 2 + 0.5 * torch.randn(4000, 1)
    loss = DistributionLoss('Normal')
    theta = torch.zeros(2, requires_grad=True)
    opt = torch.optim.Adam([theta], lr=0.05)
    for _ in range(400):
        opt.zero_grad(); loss(y, theta.expand(len(y), 1, 2)).backward(); opt.step()
    loc, scale = loss.domain_map(theta.detach().view(1, 1, 2))
    assert abs(loc.item() - 2) < 0.03 and abs(scale.item() - 0.5) < 0.02


def test_studentt_head_recovers_its_parameters():
    torch.manual_seed(0)
    y = torch.distributions.StudentT(4., 1., 0.5).sample((6000, 1))
    loss = DistributionLoss('StudentT')
    theta = torch.zeros(3, requires_grad=True)
    opt = torch.optim.Adam([theta], lr=0.05)
    for _ in range(500):
        opt.zero_grad(); loss(y, theta.expand(len(y), 1, 3)).backward(); opt.step()
    loc, scale, df = (p.item() for p in loss.domain_map(theta.detach().view(1, 1, 3)))
    assert abs(loc - 1) < 0.05 and abs(scale - 0.5) < 0.05 and 2.5 < df < 7, (loc, scale, df)


def test_normal_quantiles_are_exact():
    loss = DistributionLoss('Normal', level=(80, 90))
    params = loss.domain_map(raw_for(loss))
    q = loss.quantiles(params, loss.qs)
    ref = torch.distributions.Normal(*params).icdf(torch.tensor(loss.qs).view(-1, 1, 1)).permute(1, 2, 0)
    assert torch.allclose(q, ref, atol=1e-5)
    lo90 = q[..., 1]
    assert torch.allclose(loss.dist(params).cdf(lo90), torch.full_like(lo90, 0.05), atol=1e-5)  # lo-90 = 5% quantile


@pytest.mark.parametrize('df,q,expected', [(1., 0.975, 12.706205), (2., 0.975, 4.302653), (3., 0.995, 5.840909),
                                           (5., 0.95, 2.015048), (30., 0.95, 1.697261), (100., 0.9, 1.290075),
                                           (4., 0.05, -2.131847), (1e6, 0.975, 1.959966)])
def test_studentt_icdf_matches_tables(df, q, expected):
    got = _t_icdf(torch.tensor([df]), torch.tensor([q]))[0, 0].item()
    assert abs(got - expected) < 1e-5 * max(1, abs(expected)), got


def test_studentt_samples_match_the_distribution():
    loss = DistributionLoss('StudentT', level=(80, 90))
    params = (torch.tensor([[1.]]), torch.tensor([[2.]]), torch.tensor([[5.]]))  # loc, scale, df
    s = loss.sample(params, 100000, torch.Generator().manual_seed(0))[:, 0, 0]
    assert abs(s.mean() - 1) < 0.05
    assert abs(s.var() - 4 * 5 / 3) < 0.35  # scale^2 df/(df-2)
    emp = torch.quantile(s, torch.tensor(loss.qs))
    assert torch.allclose(loss.quantiles(params, loss.qs)[0, 0], emp, atol=0.1)  # Monte Carlo error ~0.02-0.03


@pytest.mark.parametrize('loss', [MQLoss(level=(80, 90)), DistributionLoss('Normal', level=(80, 90)),
                                  DistributionLoss('StudentT', level=(80, 90))], ids=repr)
@pytest.mark.parametrize('seed', range(3))
def test_interval_columns_are_ordered(loss, seed):
    raw = raw_for(loss, B=16, h=5, seed=seed) * 3  # wild raw outputs, MQLoss ones cross
    q = loss.quantiles(loss.domain_map(raw), level_to_quantiles((80, 90)))
    cols = dict(zip(quantile_columns(level_to_quantiles((80, 90))), q.unbind(-1)))
    chain = [cols[f'LSTM-{c}'] for c in ('lo-90', 'lo-80', 'median', 'hi-80', 'hi-90')]
    for a, b in zip(chain, chain[1:]):
        assert (a <= b).all()
    assert torch.allclose(cols['LSTM-median'], loss.point(loss.domain_map(raw)), atol=1e-5)  # symmetric: median = mean


def test_distribution_errors_and_repr():
    with pytest.raises(ValueError, match="choose one of"):
        DistributionLoss('Poisson')
    assert repr(DistributionLoss('StudentT', level=(90, 80))) == "DistributionLoss(distribution='StudentT', level=(80.0, 90.0))"
    assert repr(MQLoss(quantiles=(0.1, 0.9))) == 'MQLoss(quantiles=(0.1, 0.9))'
    loss = DistributionLoss('Normal')
    with pytest.raises(ValueError, match='strictly between 0 and 1'):
        loss.quantiles(loss.domain_map(raw_for(loss)), [0.0])


# ---------------------------------------------------------------- issue 15: tiny levels, non-finite sampler inputs
@pytest.mark.parametrize('level, msg', [(1e-9, "level=1e-09 is too close to 0 to form interval columns"),
                                        ([80, 99.9999999], 'is too close to 100'),
                                        ([80, 80.0000001], 'level=80.0000001 has more digits than interval column names keep'),
                                        (12.3456789, "(6 significant digits: 'lo-12.3457')")])
def test_levels_without_their_own_columns_are_refused(level, msg):
    from lstm_forecast.losses import check_level
    for call in (lambda: check_level(level), lambda: level_to_quantiles(level), lambda: MQLoss(level=level),
                 lambda: DistributionLoss('Normal', level=level)):
        with pytest.raises(ValueError, match=re.escape(msg)): call()


def test_quantile_columns_never_repeat_a_name():
    with pytest.raises(ValueError, match="give the column 'LSTM-median' more than once"):
        quantile_columns([0.5, 0.4999999999])
    assert quantile_columns(level_to_quantiles([0.001, 99.99])) == [
        'LSTM-median', 'LSTM-lo-99.99', 'LSTM-lo-0.001', 'LSTM-hi-0.001', 'LSTM-hi-99.99']


_GAMMA = '''
import torch
from lstm_forecast.losses import _sample_gamma
try: _sample_gamma(torch.tensor([{v}]), 2)
except ValueError as e: print('ValueError:', e)
'''


@pytest.mark.parametrize('v', ["float('nan')", "float('inf')", '0.', '-1.'])
def test_sample_gamma_refuses_non_finite_shapes_instead_of_hanging(v):
    "In a subprocess with a time limit: the unfixed sampler spins forever on NaN/inf"
    import subprocess, sys
    from helpers import run_timed
    r = run_timed([sys.executable, '-c', _GAMMA.format(v=v)], f'_sample_gamma({v})', timeout=120)
    assert r.returncode == 0, r.stderr
    assert 'ValueError: cannot sample Gamma(a)' in r.stdout and 'not finite and positive' in r.stdout, r.stdout


def test_studentt_sampling_refuses_nan_parameters():
    "In a subprocess with a time limit, like the sampler test: unfixed, this call never returns"
    import subprocess, sys
    from helpers import run_timed
    code = """
import torch
from lstm_forecast.losses import DistributionLoss
dl = DistributionLoss('StudentT')
params = dl.domain_map(torch.tensor([[[0., 0., float('nan')]]]))
try: dl.sample(params, 2, torch.Generator().manual_seed(0))
except ValueError as e: print('ValueError:', e)
"""
    r = run_timed([sys.executable, '-c', code], 'DistributionLoss.sample with a NaN df', timeout=120)
    assert r.returncode == 0, r.stderr
    assert "ValueError: cannot sample StudentT: its parameters ['df'] hold NaN/inf" in r.stdout, r.stdout


def test_recurrent_studentt_with_diverged_weights_raises_not_hangs():
    "The path of the report: recurrent=True samples paths; weights of NaN/1e30 must give a ValueError"
    import subprocess, sys
    from helpers import run_timed
    code = '''
import torch
from lstm_forecast.data import synthetic_panel
from lstm_forecast.forecaster import LSTMForecast
from lstm_forecast.losses import DistributionLoss
df = synthetic_panel(n_series=2, min_length=30, max_length=30, freq='D')
m = LSTMForecast(h=3, input_size=5, max_steps=3, encoder_hidden_size=8, decoder_hidden_size=8, recurrent=True,
                 loss=DistributionLoss('StudentT')).fit(df)
for bad in (float('nan'), 1e30):
    with torch.no_grad():
        for p in m.model_.parameters(): p.fill_(bad)
    try: m.predict(); print('no error')
    except ValueError as e: print('ValueError:', e)
'''
    r = run_timed([sys.executable, '-c', code], 'recurrent StudentT forecast with NaN/1e30 weights', timeout=300)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.strip().splitlines()
    assert len(lines) == 2 and all(l.startswith('ValueError:') for l in lines), r.stdout
