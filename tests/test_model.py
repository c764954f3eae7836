"`LSTM` equals `torch.nn.LSTM`; `LSTMNet` has the right shapes, dependencies, rollout and determinism."
import itertools

import pytest
import torch
from torch import nn
from torch.func import functional_call

from lstm_forecast.losses import MAE, MQLoss, DistributionLoss, Huber, MSE
from lstm_forecast.model import LSTM, LSTMNet

pytestmark = pytest.mark.filterwarnings('ignore:LSTM with projections is not supported with oneDNN')
TOL = {torch.float32: dict(rtol=1e-6, atol=1e-6), torch.float64: dict(rtol=1e-12, atol=1e-12)}


def pair(dtype=torch.float32, seed=0, **kw):
    "nn.LSTM and our LSTM with the same weights"
    torch.manual_seed(seed)
    ref = nn.LSTM(**kw).to(dtype)
    ours = LSTM(**kw).to(dtype)
    ours.load_state_dict(ref.state_dict())
    return ref, ours


def run(m, x, state, seed):
    "Forward, then backward of a random linear function of every output; returns outputs and all gradients"
    x = x.clone().requires_grad_(True)
    state = None if state is None else tuple(s.clone().requires_grad_(True) for s in state)
    out, (h_n, c_n) = m(x, state)
    g = torch.Generator().manual_seed(seed)
    w = [torch.randn(t.shape, generator=g, dtype=t.dtype) for t in (out, h_n, c_n)]
    ((out * w[0]).sum() + (h_n * w[1]).sum() + (c_n * w[2]).sum()).backward()
    grads = [x.grad] + ([] if state is None else [s.grad for s in state]) + [p.grad for p in m.parameters()]
    return [out, h_n, c_n], grads


GRID = list(itertools.product([1, 2, 3], [False, True], [0, 2], [False, True], [False, True],
                              [torch.float32, torch.float64]))
GRID_IDS = [f'layers{k}-{"bi" if b else "uni"}-proj{p}-{"bf" if bf else "tf"}-{"h0" if s else "noh0"}-{str(d)[6:]}'
            for k, b, p, bf, s, d in GRID]


@pytest.mark.parametrize('num_layers,bidirectional,proj_size,batch_first,with_state,dtype', GRID, ids=GRID_IDS)
def test_parity_with_torch(num_layers, bidirectional, proj_size, batch_first, with_state, dtype):
    kw = dict(input_size=3, hidden_size=4, num_layers=num_layers, bidirectional=bidirectional, proj_size=proj_size,
              batch_first=batch_first)
    ref, ours = pair(dtype, **kw)
    N, L, D = 2, 5, 2 if bidirectional else 1
    g = torch.Generator().manual_seed(1)
    x = torch.randn((N, L, 3) if batch_first else (L, N, 3), generator=g, dtype=dtype)
    state = (torch.randn(D * num_layers, N, proj_size or 4, generator=g, dtype=dtype),
             torch.randn(D * num_layers, N, 4, generator=g, dtype=dtype)) if with_state else None
    (outs_r, grads_r), (outs_o, grads_o) = run(ref, x, state, 2), run(ours, x, state, 2)
    for a, b in zip(outs_o, outs_r):
        assert a.shape == b.shape
        torch.testing.assert_close(a, b, **TOL[dtype])
    assert len(grads_o) == len(grads_r)
    for a, b in zip(grads_o, grads_r):
        torch.testing.assert_close(a, b, **TOL[dtype])


@pytest.mark.parametrize('num_layers,bidirectional,proj_size,with_state',
                         list(itertools.product([1, 2], [False, True], [0, 2], [False, True])))
def test_parity_unbatched(num_layers, bidirectional, proj_size, with_state):
    ref, ours = pair(input_size=3, hidden_size=4, num_layers=num_layers, bidirectional=bidirectional,
                     proj_size=proj_size, batch_first=True)  # batch_first does not apply to unbatched input
    D = 2 if bidirectional else 1
    x = torch.randn(6, 3)
    state = (torch.randn(D * num_layers, proj_size or 4), torch.randn(D * num_layers, 4)) if with_state else None
    (outs_r, grads_r), (outs_o, grads_o) = run(ref, x, state, 0), run(ours, x, state, 0)
    assert outs_o[0].shape == (6, D * (proj_size or 4)) and outs_o[1].shape == (D * num_layers, proj_size or 4)
    for a, b in zip(outs_o + grads_o, outs_r + grads_r):
        torch.testing.assert_close(a, b, **TOL[torch.float32])


def test_gradcheck_float64():
    torch.manual_seed(0)
    m = LSTM(2, 3, num_layers=2, bidirectional=True, proj_size=2, batch_first=True).double()
    names = [n for n, _ in m.named_parameters()]
    params = [p.detach().clone().requires_grad_(True) for p in m.parameters()]
    x = torch.randn(2, 3, 2, dtype=torch.float64, requires_grad=True)
    h0 = torch.randn(4, 2, 2, dtype=torch.float64, requires_grad=True)
    c0 = torch.randn(4, 2, 3, dtype=torch.float64, requires_grad=True)

    def f(x, h0, c0, *ps):
        out, (h, c) = functional_call(m, dict(zip(names, ps)), (x, (h0, c0)))
        return out, h, c
    assert torch.autograd.gradcheck(f, (x, h0, c0, *params))


def test_state_dict_both_ways_and_same_init():
    kw = dict(input_size=3, hidden_size=5, num_layers=2, bidirectional=True, proj_size=3)
    torch.manual_seed(7); ref = nn.LSTM(**kw)
    torch.manual_seed(7); ours = LSTM(**kw)
    assert list(ref.state_dict()) == list(ours.state_dict())
    for (n, a), (_, b) in zip(ref.state_dict().items(), ours.state_dict().items()):
        assert a.shape == b.shape and torch.equal(a, b), n  # same seed, same uniform init
    bound = 1 / 5 ** 0.5
    assert all(p.abs().max() <= bound for p in ours.parameters())
    ours2, ref2 = LSTM(**kw), nn.LSTM(**kw)
    ref2.load_state_dict(ours.state_dict()); ours2.load_state_dict(ref.state_dict())
    x = torch.randn(4, 2, 3)
    torch.testing.assert_close(ref2(x)[0], ours2(x)[0], rtol=1e-6, atol=1e-6)
    assert {n for n, _ in ours.named_parameters()} >= {'weight_hr_l1_reverse', 'bias_hh_l0_reverse'}


def test_no_bias_and_repr():
    ref, ours = pair(input_size=3, hidden_size=4, bias=False, num_layers=2)
    assert 'bias_ih_l0' not in dict(ours.named_parameters())
    x = torch.randn(5, 2, 3)
    torch.testing.assert_close(ours(x)[0], ref(x)[0], rtol=1e-6, atol=1e-6)
    for kw in [dict(), dict(num_layers=2, bias=False, batch_first=True, dropout=0.5, bidirectional=True, proj_size=2)]:
        assert repr(LSTM(3, 4, **kw)) == repr(nn.LSTM(3, 4, **kw))


def test_dropout_between_layers_in_training_only():
    ref, ours = pair(input_size=3, hidden_size=4, num_layers=2, dropout=0.5)
    x = torch.randn(5, 2, 3)
    ours.train()
    torch.manual_seed(0); a = ours(x)[0]
    torch.manual_seed(1); b = ours(x)[0]
    assert not torch.allclose(a, b)
    ours.eval(); ref.eval()
    torch.testing.assert_close(ours(x)[0], ref(x)[0], rtol=1e-6, atol=1e-6)
    with pytest.warns(UserWarning, match='non-zero dropout expects num_layers greater than 1'):
        single = LSTM(3, 4, dropout=0.5)
    single.train()
    torch.testing.assert_close(single(x)[0], single.eval()(x)[0])  # no dropout after the last layer


def test_errors_match_torch():
    m = LSTM(3, 4, num_layers=2)
    with pytest.raises(ValueError, match='Expected input to be 2D or 3D, got 4D'):
        m(torch.randn(1, 2, 3, 4))
    with pytest.raises(ValueError, match='Expected 3, got 5'):
        m(torch.randn(4, 2, 5))
    with pytest.raises(ValueError, match=r'Expected h_0 of size \(2, 2, 4\), got \(2, 3, 4\)'):
        m(torch.randn(4, 2, 3), (torch.zeros(2, 3, 4), torch.zeros(2, 2, 4)))
    with pytest.raises(ValueError, match='hx and cx should also be 2-D'):
        m(torch.randn(4, 3), (torch.zeros(2, 1, 4), torch.zeros(2, 1, 4)))
    with pytest.raises(TypeError, match='PackedSequence'):
        m(nn.utils.rnn.pack_padded_sequence(torch.randn(4, 2, 3), [4, 3]))
    with pytest.raises(ValueError, match='has to be smaller than hidden_size'):
        LSTM(3, 4, proj_size=4)
    with pytest.raises(ValueError, match=r'range \[0, 1\]'):
        LSTM(3, 4, num_layers=2, dropout=1.5)
    with pytest.raises(ValueError, match='hidden_size must be greater than zero'):
        LSTM(3, 0)


# --- LSTMNet --------------------------------------------------------------------------------------------------------

def small(**kw):
    kw = dict(dict(encoder_n_layers=2, encoder_hidden_size=8, decoder_hidden_size=8, decoder_layers=1), **kw)
    return LSTMNet(**kw)


def inputs(B, L, h, X=0, F=0, S=0, seed=0):
    g = torch.Generator().manual_seed(seed)
    r = lambda *s: torch.randn(*s, generator=g)
    return r(B, L), (r(B, L + h, F) if F else None), (r(B, L, X) if X else None), (r(B, S) if S else None)


@pytest.mark.parametrize('h,L', [(1, 4), (5, 8), (12, 4)])  # h = 1, and input_size < h
@pytest.mark.parametrize('X,F,S', list(itertools.product([0, 2], [0, 3], [0, 1])))
def test_direct_shapes(h, L, X, F, S):
    loss = MQLoss(level=(80, 90))
    net = small(h=h, input_size=L, n_outputs=loss.outputsize_multiplier, hist_exog_size=X, futr_exog_size=F,
                stat_exog_size=S)
    y, futr, hist, stat = inputs(3, L, h, X, F, S)
    assert net(y, futr, hist, stat).shape == (3, h, 5)
    point, q = net.forecast(y, futr, hist, stat, loss=loss, quantiles=loss.qs)
    assert point.shape == (3, h) and q.shape == (3, h, 5)


@pytest.mark.parametrize('h,L,h_train', [(1, 4, 1), (5, 8, 3), (12, 4, 12)])
@pytest.mark.parametrize('F,S', list(itertools.product([0, 3], [0, 1])))
@pytest.mark.parametrize('loss', [MAE(), MQLoss(level=(80,)), DistributionLoss('Normal', level=(80,)),
                                  DistributionLoss('StudentT', level=(80,))], ids=repr)
def test_recurrent_shapes(h, L, h_train, F, S, loss):
    net = small(h=h, input_size=L, n_outputs=loss.outputsize_multiplier, futr_exog_size=F, stat_exog_size=S,
                recurrent=True, h_train=h_train)
    y, futr, _, stat = inputs(3, L, max(h, h_train), 0, F, S)
    raw = net(y, futr, None, stat, outsample_y=torch.randn(3, h_train))
    assert raw.shape == (3, h_train, loss.outputsize_multiplier)
    assert torch.isfinite(loss(torch.randn(3, h_train), raw))
    point, q = net.forecast(y, futr, None, stat, loss=loss, quantiles=loss.qs, n_samples=10,
                            generator=torch.Generator().manual_seed(0))
    assert point.shape == (3, h) and q.shape == (3, h, len(loss.qs))
    assert (q.diff(dim=-1)[..., 1:] >= 0).all()  # lo-80 <= hi-80 (after the median column)


def test_recurrent_refuses_hist_exog():
    with pytest.raises(ValueError, match='cannot use historic exogenous features'):
        LSTMNet(h=3, input_size=5, hist_exog_size=2, recurrent=True)


def test_teacher_forcing_uses_the_true_values():
    torch.manual_seed(0)
    net = small(h=4, input_size=6, recurrent=True, h_train=3)
    y = torch.randn(2, 6)
    out_a = net(y, outsample_y=torch.tensor([[1., 2., 99.], [3., 4., 99.]]))
    out_b = net(y, outsample_y=torch.tensor([[1., 2., -99.], [3., 4., -99.]]))  # last value is never an input
    out_c = net(y, outsample_y=torch.tensor([[1., 5., 0.], [3., 4., 0.]]))
    torch.testing.assert_close(out_a, out_b)
    torch.testing.assert_close(out_a[:, :2], out_c[:, :2])  # step 3 reads the second true value
    assert not torch.allclose(out_a[0, 2], out_c[0, 2])
    # the first step is the one-step prediction from the window alone, as in the rollout
    one = small(h=4, input_size=6, recurrent=True, h_train=1); one.load_state_dict(net.state_dict())
    torch.testing.assert_close(one(y)[:, 0], out_a[:, 0])


@pytest.mark.parametrize('F', [0, 2])
def test_every_direct_horizon_step_depends_on_the_last_input(F):
    torch.manual_seed(0)
    h, L = 6, 10
    net = small(h=h, input_size=L, futr_exog_size=F)
    y, futr, _, _ = inputs(2, L, h, 0, F, 0)
    jac = torch.autograd.functional.jacobian(lambda y_: net(y_, futr)[..., 0], y)  # [B, h, B, L]
    d_last = jac[0, :, 0, -1]  # d out[0, k] / d y[0, L-1], one per horizon step
    assert (d_last.abs() > 1e-6).all(), d_last
    assert (jac[0, :, 1] == 0).all()  # and nothing leaks across the batch


def test_custom_impl_matches_torch_impl():
    kw = dict(h=4, input_size=6, n_outputs=2, futr_exog_size=2, hist_exog_size=1, stat_exog_size=1)
    torch.manual_seed(0)
    a = small(**kw)
    b = small(lstm_impl='custom', **kw)
    b.load_state_dict(a.state_dict())
    args = inputs(3, 6, 4, 1, 2, 1)
    torch.testing.assert_close(b(*args), a(*args), rtol=1e-5, atol=1e-6)
    assert isinstance(b.encoder, LSTM) and isinstance(a.encoder, nn.LSTM)
    rebuilt = LSTMNet(**a.config)
    rebuilt.load_state_dict(a.state_dict())
    torch.testing.assert_close(rebuilt(*args), a(*args))


def _random_walk_windows(n, L, h, seed):
    g = torch.Generator().manual_seed(seed)
    return (0.3 * torch.randn(n, L + h, generator=g)).cumsum(1)  # [n, L+h]


def test_recurrent_distribution_intervals_widen_with_horizon():
    # a random walk: the true forecast spread grows like sqrt(k); feeding back samples must reproduce that
    torch.manual_seed(0)
    L, h = 8, 10
    loss = DistributionLoss('Normal', level=(80,))
    net = LSTMNet(h, L, n_outputs=2, recurrent=True, h_train=h, encoder_n_layers=1, encoder_hidden_size=16,
                  decoder_hidden_size=16, decoder_layers=1)
    win = _random_walk_windows(2048, L, h, 1)
    win = win - win[:, L - 1:L]  # centre on the last input (the walk's level is arbitrary)
    opt = torch.optim.Adam(net.parameters(), lr=1e-2)
    for step in range(150):
        idx = torch.randint(0, len(win), (64,))
        y_in, y_out = win[idx, :L], win[idx, L:]
        l = loss(y_out, net(y_in, outsample_y=y_out))
        opt.zero_grad(); l.backward(); opt.step()
    y = _random_walk_windows(4, L, 0, 2)
    y = y - y[:, -1:]
    point, q = net.forecast(y, loss=loss, quantiles=[0.1, 0.9], n_samples=400,
                            generator=torch.Generator().manual_seed(0))
    width = (q[..., 1] - q[..., 0]).mean(0)  # [h]
    true_width = 2 * 1.2816 * 0.3 * torch.arange(1, h + 1) ** 0.5  # 80% interval of a sum of k N(0, 0.3^2) steps
    assert width[-1] > 2.5 * width[0], width  # sqrt(10) = 3.2 for a perfect model
    assert (width[1:] >= 0.95 * width[:-1]).all(), width  # grows (up to Monte Carlo noise)
    assert ((width / true_width - 1).abs() < 0.25).all(), (width, true_width)
    assert point.shape == (4, h) and point.abs().max() < 0.5  # a random walk's mean forecast is flat


@pytest.mark.parametrize('recurrent', [False, True])
def test_forecast_is_deterministic_with_a_generator_and_restores_mode(recurrent):
    loss = DistributionLoss('StudentT', level=(80, 90))
    net = small(h=5, input_size=6, n_outputs=3, recurrent=recurrent, encoder_dropout=0.3)
    y, *_ = inputs(2, 6, 5)
    y0 = y.clone()
    net.train()
    run_ = lambda seed: net.forecast(y, loss=loss, quantiles=loss.qs, n_samples=50,
                                     generator=torch.Generator().manual_seed(seed))
    p1, q1 = run_(0)
    p2, q2 = run_(0)
    assert torch.equal(p1, p2) and torch.equal(q1, q2)
    assert net.training and torch.equal(y, y0)
    if recurrent:
        p3, _ = run_(1)
        assert not torch.equal(p1, p3)  # the paths really are random draws


@pytest.mark.parametrize('loss', [MAE(), MSE(), Huber(), MQLoss(level=(50,))], ids=repr)
def test_recurrent_point_and_median_feedback(loss):
    net = small(h=4, input_size=5, n_outputs=loss.outputsize_multiplier, recurrent=True)
    y, *_ = inputs(3, 5, 4)
    p1, q1 = net.forecast(y, loss=loss, quantiles=loss.qs)
    p2, _ = net.forecast(y, loss=loss, quantiles=loss.qs)
    assert torch.equal(p1, p2)
    # the first step of the rollout is the network's one-step output
    params = loss.domain_map(net(y))
    torch.testing.assert_close(p1[:, 0], loss.point(params)[:, 0])
    if isinstance(loss, MQLoss):
        torch.testing.assert_close(q1[:, 0], loss.quantiles(params, loss.qs)[:, 0])


def test_forward_and_forecast_errors():
    net = small(h=3, input_size=5, futr_exog_size=2, stat_exog_size=1)
    y, futr, _, stat = inputs(2, 5, 3, 0, 2, 1)
    with pytest.raises(ValueError, match='input_size=5'):
        net(torch.randn(2, 4), futr, None, stat)
    with pytest.raises(ValueError, match='futr_exog_size=2, so futr_exog'):
        net(y, None, None, stat)
    with pytest.raises(ValueError, match=r'futr_exog must have shape \[2, >=8, 2\]'):
        net(y, futr[:, :6], None, stat)
    with pytest.raises(ValueError, match='hist_exog_size=0'):
        net(y, futr, torch.randn(2, 5, 1), stat)
    with pytest.raises(ValueError, match=r'stat_exog must have shape \[2, 1\]'):
        net(y, futr, None, torch.randn(2, 3))
    with pytest.raises(TypeError, match='needs the loss'):
        net.forecast(y, futr, None, stat)
    with pytest.raises(ValueError, match='n_outputs=1'):
        net.forecast(y, futr, None, stat, loss=MQLoss())
    with pytest.raises(ValueError, match='point forecasts only'):
        net.forecast(y, futr, None, stat, loss=MAE(), quantiles=[0.1])
    with pytest.raises(ValueError, match="lstm_impl must be 'torch' or 'custom'"):
        LSTMNet(3, 5, lstm_impl='cudnn')
    with pytest.raises(ValueError, match='h must be >= 1'):
        LSTMNet(0, 5)
    # longer future exogenous tensors are accepted, extra steps ignored
    torch.testing.assert_close(net(y, torch.cat([futr, torch.randn(2, 4, 2)], 1), None, stat), net(y, futr, None, stat))
