"""Windowing benchmark: prints time and memory, asserts nothing. Run with `python tests/bench_windows.py`.

(pytest does not collect it: the name does not start with `test_`.)

Memory is measured two ways: the bytes of the tensors a call returns (exact), and the growth of the process' peak
resident memory during the call (Linux `VmHWM`, reset through `/proc/self/clear_refs`; approximate, since the
allocator can reuse freed pages). The tutorial's loop is run on a 100,000-point prefix and its figures are
extrapolated linearly to 1,000,000 points (it is linear in the number of windows, and the full run would take
about ten times as long and half a gigabyte).
"""
import gc, os, sys, time, warnings
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from lstm_forecast.windows import create_dataset, gather_windows, make_windows  # noqa: E402

torch.set_num_threads(1)


def _status(key):
    for line in Path('/proc/self/status').read_text().splitlines():
        if line.startswith(key): return int(line.split()[1]) * 1024
    return None


def measure(fn, repeat=1):
    "(result, best seconds, peak RSS growth in bytes or None)"
    best, growth, out = float('inf'), None, None
    for _ in range(repeat):
        out = None; gc.collect()
        try:
            Path('/proc/self/clear_refs').write_text('5')  # reset the peak RSS counter
            base = _status('VmRSS:')
        except OSError:
            base = None
        t0 = time.perf_counter(); out = fn(); dt = time.perf_counter() - t0
        if base is not None: growth = max(growth or 0, _status('VmHWM:') - base)
        best = min(best, dt)
    return out, best, growth


def nbytes(*tensors):
    return sum(t.untyped_storage().nbytes() for t in tensors)


def mb(x): return 'n/a' if x is None else f'{x / 1e6:8.1f} MB'


def tutorial_forecast_windows(dataset, input_size, h):
    "The tutorial's loop, with `input_size` inputs and the `h` values after them as targets."
    X, y = [], []
    for i in range(len(dataset) - input_size - h + 1):
        X.append(dataset[i:i + input_size])
        y.append(dataset[i + input_size:i + input_size + h])
    return torch.tensor(np.array(X)), torch.tensor(np.array(y))


def tutorial_create_dataset(dataset, lookback):
    "The tutorial's function, verbatim (torch.tensor on a list of arrays)."
    X, y = [], []
    for i in range(len(dataset) - lookback):
        X.append(dataset[i:i + lookback])
        y.append(dataset[i + 1:i + lookback + 1])
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        return torch.tensor(X), torch.tensor(y)


def row(name, secs, out_bytes, growth, note=''):
    print(f'  {name:<52} {secs * 1e3:10.1f} ms   returns {mb(out_bytes)}   peak RSS +{mb(growth)}  {note}')


def single_series(n=1_000_000, L=64, h=12, prefix=100_000):
    print(f'\n1 series of {n:,} points, input_size={L}, h={h}  (torch threads: {torch.get_num_threads()})')
    series = np.random.default_rng(0).standard_normal((n, 1)).astype('float32')
    values = torch.from_numpy(series)
    indptr = torch.tensor([0, n])
    w, t, g = measure(lambda: make_windows(indptr, L, h), repeat=5)
    row(f'make_windows ({len(w):,} windows)', t, nbytes(w.series, w.start), g)
    idx = torch.randint(len(w), (256,), generator=torch.Generator().manual_seed(0))
    x, t, g = measure(lambda: gather_windows(values, w.start[idx], L, h), repeat=20)
    row('gather_windows, one batch of 256', t, nbytes(x), g, f'{tuple(x.shape)}')
    (X, y), t, g = measure(lambda: create_dataset(series, L), repeat=5)
    new = sum({t.untyped_storage().data_ptr(): t.untyped_storage().nbytes() for t in (X, y)
               if t.untyped_storage().data_ptr() != series.ctypes.data}.values())  # storage not shared with the data
    row(f'create_dataset(lookback={L}), views', t, new, g, f'X {tuple(X.shape)}, views of the data')
    all_bytes = len(w) * (L + h) * 4
    print(f'  (materialising every window would take {mb(all_bytes)}; the data itself is {mb(series.nbytes)})')

    part = series[:prefix]
    scale = (n - L - h + 1) / (prefix - L - h + 1)
    (X, y), t, g = measure(lambda: tutorial_forecast_windows(part, L, h))
    row(f'tutorial loop, {prefix:,}-point prefix', t, nbytes(X, y), g)
    row(f'  -> extrapolated to {n:,} points (x{scale:.2f})', t * scale, nbytes(X, y) * scale, None if g is None else g * scale)
    (X, y), t, g = measure(lambda: tutorial_create_dataset(part, L))
    row(f'tutorial create_dataset verbatim, {prefix:,} points', t, nbytes(X, y), g)
    row(f'  -> extrapolated to {n:,} points (x{scale:.2f})', t * scale, nbytes(X, y) * scale, None if g is None else g * scale)


def panel(L=64, h=12):
    print(f'\nPanels of series with lengths uniform in 50..500, input_size={L}, h={h}')
    rng = np.random.default_rng(0)
    for n_series in (1_250, 2_500, 5_000, 10_000):
        lengths = rng.integers(50, 501, n_series)
        indptr = torch.from_numpy(np.concatenate([[0], np.cumsum(lengths)]))
        w, t, g = measure(lambda: make_windows(indptr, L, h), repeat=5)
        print(f'  {n_series:>6,} series, {int(indptr[-1]):>9,} rows, {len(w):>9,} windows: make_windows {t * 1e3:7.1f} ms '
              f'({t / len(w) * 1e9:5.1f} ns/window), returns {mb(nbytes(w.series, w.start))}, peak RSS +{mb(g)}')
    values = torch.randn(int(indptr[-1]), 1)
    idx = torch.randint(len(w), (256,), generator=torch.Generator().manual_seed(0))
    x, t, _ = measure(lambda: gather_windows(values, w.start[idx], L, h), repeat=20)
    print(f'  gather_windows on the 10,000-series panel, batch of 256: {t * 1e3:.2f} ms')


if __name__ == '__main__':
    print(f'python {sys.version.split()[0]}, torch {torch.__version__}, numpy {np.__version__}, {os.cpu_count()} CPUs')
    single_series()
    panel()
