"""Benchmark (not a test): fit and predict a panel of up to 2,000 series x 200 steps with the default LSTMForecast,
and show that memory grows linearly with the number of series.

    python tests/bench_scale.py                 # 500, 1000 and 2000 series
    python tests/bench_scale.py 500 1000 4000   # other sizes
    python tests/bench_scale.py --distributed   # 10,000 series x 500 steps: 1 process vs 2 (torchrun), DDP

Each size runs in a fresh process (peak RSS, `ru_maxrss`, only ever grows), twice: once timed, once under
`tracemalloc` (the Python/numpy/pandas heap; torch's own allocations are outside it, RSS includes them). Timings
depend on the machine and on what else runs on it."""
import json, math, os, platform, resource, subprocess, sys, time, tracemalloc
from pathlib import Path

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
    m = LSTMForecast(h=H).fit(df)  # library defaults: 500 steps of 32 windows, three networks (one per scaler)
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


# ----------------------------------------------------------------------------------------------------------------
# Distributed mode: one LSTMForecast on 10,000 series x 500 steps, trained for a number of epochs (max_epochs) with
# the same global batch by 1 process and by 2 (torchrun, DDP over gloo), one torch thread per process.
# ----------------------------------------------------------------------------------------------------------------
D_SERIES, D_T, D_H = 10_000, 500, 12
# one network as measured (the defaults before the scaler ensemble); per run: the global batch, a validation check every 1/8
D_KW = dict(h=D_H, max_epochs=0.2, device='cpu', scaler_type='robust', encoder_hidden_size=64)
D_BATCHES = (256, 1024)
D_CSV = Path(__file__).resolve().parents[1] / 'benchmarks' / 'results' / 'scale_distributed.csv'


def dist_one(batch: int) -> dict:
    "One rank's run (alone, or one of torchrun's processes): fit with validation, time every validation check"
    import numpy as np
    import torch
    torch.set_num_threads(1)
    import lstm_forecast.train as T
    from lstm_forecast.data import synthetic_panel
    from lstm_forecast.distributed import all_gather, dist_info
    from lstm_forecast.forecaster import LSTMForecast
    df = synthetic_panel(n_series=D_SERIES, min_length=D_T, max_length=D_T, freq='D', seed=0)
    checks, plain = [], T.validation_loss
    def timed(*a, **k):  # wall-clock time of every validation check, and how long it took
        t = time.perf_counter(); v = plain(*a, **k); checks.append((t, time.perf_counter() - t, v)); return v
    T.validation_loss = timed
    t0 = time.perf_counter()
    steps = math.ceil(D_KW['max_epochs'] * D_SERIES * (D_T - 24 - 2 * D_H + 1) / batch)
    m = LSTMForecast(**D_KW, batch_size=batch, val_check_steps=max(1, steps // 8)).fit(df, val_size=D_H)
    fit_s = time.perf_counter() - t0
    h = m.history_
    train_s = h['seconds'] - sum(d for _, d, _ in checks)      # the loop's time without its validation checks
    steps = len(h['train'])
    mine = {'rss_peak_mb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}
    ranks = all_gather(lambda: mine)
    t_loop0 = t0 + fit_s - h['seconds']                           # when the loop started (after the data set-up)
    return {'processes': dist_info().world_size, 'series': D_SERIES, 'steps_per_series': D_T,
            'windows': int(D_SERIES * (D_T - m.input_size_ - D_H - D_H + 1)), 'global_batch': batch,
            'max_epochs': D_KW['max_epochs'], 'steps': steps, 'windows_trained': steps * batch,
            'train_s': train_s, 'windows_per_s': steps * batch / train_s,
            'val_checks': len(checks), 'val_s': sum(d for _, d, _ in checks), 'loop_s': h['seconds'], 'fit_s': fit_s,
            'val_curve': [(t + d - t_loop0, v) for t, d, v in checks], 'best_val_loss': float(h['val'].loss.min()),
            'rss_peak_mb_per_rank': [r['rss_peak_mb'] for r in ranks]}


def dist_main():
    env = dict(os.environ, OMP_NUM_THREADS='1', PYTHONHASHSEED='0')
    load0 = os.getloadavg()
    runs = []
    for batch in D_BATCHES:
        for launcher in ([], ['-m', 'torch.distributed.run', '--standalone', '--nproc-per-node', '2']):
            r = subprocess.run([sys.executable, *launcher, __file__, '--dist-one', str(batch)], capture_output=True,
                               text=True, env=env)
            lines = [l for l in r.stdout.splitlines() if l.startswith('{')]
            if not lines: raise SystemExit(r.stderr[-4000:])    # (an abort at exit after the work is tolerated)
            runs.append(json.loads(lines[0]))
    load1 = os.getloadavg()
    rows = []
    for r in runs:
        target = max(o['best_val_loss'] for o in runs if o['global_batch'] == r['global_batch'])  # both reach it
        reach = next(t for t, v in r['val_curve'] if v <= target + 1e-12)
        rows.append({k: v for k, v in r.items() if k not in ('val_curve', 'rss_peak_mb_per_rank')}
                    | {'target_val_loss': target, 'time_to_target_s': reach,
                       'rss_peak_mb_max_rank': max(r['rss_peak_mb_per_rank']),
                       'load_avg_1m_before': load0[0], 'load_avg_1m_after': load1[0], 'cpus': os.cpu_count(),
                       'machine': f'{platform.machine()} {platform.processor() or ""}'.strip(),
                       'torch': __import__('torch').__version__, 'date': time.strftime('%Y-%m-%d')})
    import pandas as pd
    out = pd.DataFrame(rows)
    D_CSV.parent.mkdir(parents=True, exist_ok=True)
    out.to_csv(D_CSV, index=False, float_format='%.6g')
    cols = ['global_batch', 'processes', 'steps', 'windows_trained', 'windows_per_s', 'train_s', 'val_s',
            'time_to_target_s', 'best_val_loss', 'rss_peak_mb_max_rank']
    print(out[cols].to_string(index=False))
    for one, two in zip(rows[::2], rows[1::2]):
        speedup = two['windows_per_s'] / one['windows_per_s']
        print(f"global batch {one['global_batch']}: 2 processes give {speedup:.2f}x "
              f"the windows/s of 1; time to validation loss {one['target_val_loss']:.4f}: "
              f"{one['time_to_target_s']:.1f}s (1) vs {two['time_to_target_s']:.1f}s (2)")
    print(f"load average {load0[0]:.2f} before, {load1[0]:.2f} after, on {os.cpu_count()} CPUs; written to {D_CSV}")


if __name__ == '__main__':
    if sys.argv[1:2] == ['--one']:
        print(json.dumps(one(int(sys.argv[2]), bool(int(sys.argv[3])))))
    elif sys.argv[1:2] == ['--dist-one']:
        res = dist_one(int(sys.argv[2]))
        if res is not None and int(os.environ.get('RANK', 0)) == 0: print(json.dumps(res), flush=True)
    elif sys.argv[1:2] == ['--distributed']:
        dist_main()
    else:
        main([int(a) for a in sys.argv[1:]] or [500, 1000, 2000])
