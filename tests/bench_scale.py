"""Benchmark (not a test): fit and predict a panel of up to 2,000 series x 200 steps with the default LSTMForecast,
and show that memory grows linearly with the number of series.

    python tests/bench_scale.py                 # 500, 1000 and 2000 series
    python tests/bench_scale.py 500 1000 4000   # other sizes

Each size runs in a fresh process (peak RSS, `ru_maxrss`, only ever grows), twice: once timed, once under
`tracemalloc` (the Python/numpy/pandas heap; torch's own allocations are outside it, RSS includes them). Timings
depend on the machine and on what else runs on it."""
import json, os, resource, subprocess, sys, time, tracemalloc

H, T = 12, 200


def one(n_series: int, trace: bool) -> dict:
    import numpy as np
    import torch
    torch.set_num_threads(1)
    from lstm_forecast.data import synthetic_panel
    from lstm_forecast.forecaster import LSTMForecast
    df = synthetic_panel(n_series=n_series, min_length=T, max_length=T, freq='D', seed=0)
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # MB (Linux reports KiB)
    if trace: tracemalloc.start()
    t0 = time.perf_counter()
    m = LSTMForecast(h=H).fit(df)  # library defaults: 500 steps of 32 windows, encoder 1x64, decoder 2x64
    t1 = time.perf_counter()
    f = m.predict()
    t2 = time.perf_counter()
    cv = m.cross_validation(df, n_windows=2) if not trace else None  # one refit + every series at 2 cutoffs in one batch
    t3 = time.perf_counter()
    peak = tracemalloc.get_traced_memory()[1] / 2**20 if trace else None
    assert len(f) == n_series * H and np.isfinite(f.LSTM).all()
    return {'n_series': n_series, 'rows': len(df), 'windows': int(n_series * (T - m.input_size_ - H + 1)),
            'fit_s': t1 - t0, 'predict_s': t2 - t1, 'cv_s': t3 - t2, 'rss_before_mb': rss0,
            'rss_peak_mb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 'traced_peak_mb': peak}


def run(n_series: int, trace: bool) -> dict:
    env = dict(os.environ, OMP_NUM_THREADS='1')
    r = subprocess.run([sys.executable, __file__, '--one', str(n_series), str(int(trace))], capture_output=True, text=True, env=env)
    if r.returncode: raise SystemExit(r.stderr)
    return json.loads(r.stdout.strip().splitlines()[-1])


def main(sizes):
    rows = []
    for n in sizes:
        timed, traced = run(n, False), run(n, True)
        rows.append({**timed, 'traced_peak_mb': traced['traced_peak_mb']})
    print(f'{"series":>7} {"rows":>8} {"windows":>8} {"fit s":>7} {"predict s":>9} {"cv s":>6} '
          f'{"RSS before":>10} {"RSS peak":>9} {"RSS growth":>10} {"traced peak":>11}  (MB)')
    for r in rows:
        print(f'{r["n_series"]:>7} {r["rows"]:>8} {r["windows"]:>8} {r["fit_s"]:>7.1f} {r["predict_s"]:>9.2f} {r["cv_s"]:>6.1f} '
              f'{r["rss_before_mb"]:>10.0f} {r["rss_peak_mb"]:>9.0f} {r["rss_peak_mb"] - r["rss_before_mb"]:>10.1f} {r["traced_peak_mb"]:>11.1f}')
    a, b = rows[0], rows[-1]
    per = lambda k: (b[k] - a[k]) / (b['n_series'] - a['n_series']) * 1000
    growth = lambda r: r['rss_peak_mb'] - r['rss_before_mb']
    print(f'per 1,000 more series: traced heap +{per("traced_peak_mb"):.1f} MB, RSS growth '
          f'+{(growth(b) - growth(a)) / (b["n_series"] - a["n_series"]) * 1000:.1f} MB '
          f'(the float64 data alone is {T * 1000 * 8 / 2**20:.1f} MB per 1,000 series)')


if __name__ == '__main__':
    if sys.argv[1:2] == ['--one']:
        print(json.dumps(one(int(sys.argv[2]), bool(int(sys.argv[3])))))
    else:
        main([int(a) for a in sys.argv[1:]] or [500, 1000, 2000])
