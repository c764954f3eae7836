"""Benchmark: fit time and accuracy of the default LSTMForecast on AirPassengers (not a test; prints numbers).

    python tests/bench_forecaster.py [--seeds 3] [--set key=value ...]

Trains on the first 132 months, forecasts the last 12, for each seed; prints the fit time and the MAPE of each
run, their means, and the baselines on the same split. Uses 1 torch thread (the library's default)."""
import argparse, ast, time
import numpy as np
import torch

from lstm_forecast.data import load_air_passengers
from lstm_forecast.forecaster import LSTMForecast
from lstm_forecast.baselines import Naive, SeasonalNaive, RandomWalkWithDrift, HistoricAverage
from lstm_forecast.metrics import mape


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--seeds', type=int, default=3)
    ap.add_argument('--set', nargs='*', default=[], help='LSTMForecast arguments, e.g. max_steps=300 scaler_type=robust')
    a = ap.parse_args()
    kw = {k: ast.literal_eval(v) if v[:1].isdigit() or v[:1] in '[(-' or v in ('True', 'False', 'None') else v
          for k, v in (s.split('=', 1) for s in a.set)}
    df = load_air_passengers()
    train, test = df.iloc[:132], df.iloc[132:]
    print(f'torch {torch.__version__}, {torch.get_num_threads()} thread(s) by default; LSTMForecast(h=12{"".join(f", {k}={v!r}" for k, v in kw.items())})')
    times, errs = [], []
    for seed in range(a.seeds):
        m = LSTMForecast(h=12, random_seed=seed, **kw)
        t0 = time.perf_counter(); m.fit(train); t = time.perf_counter() - t0
        f = m.predict()
        e = float(mape(test.y.to_numpy(), f.LSTM.to_numpy()))
        times.append(t); errs.append(e)
        print(f'  seed {seed}: fit {t:.2f} s, {len(m.history_["train"])} steps, MAPE {e:.2f}%')
    print(f'LSTM (defaults): mean fit {np.mean(times):.2f} s, mean MAPE {np.mean(errs):.2f}% over {a.seeds} seeds')
    for B in (SeasonalNaive(h=12, season_length=12), Naive(h=12), RandomWalkWithDrift(h=12), HistoricAverage(h=12)):
        f = B.fit(train).predict()
        print(f'{B.alias}: MAPE {float(mape(test.y.to_numpy(), f[B.alias].to_numpy())):.2f}%')


if __name__ == '__main__':
    main()
