"""Fit one LSTM on a panel of series and forecast it: the same script runs alone or on many processes.

    python examples/fit_panel.py                              # one process
    torchrun --nproc-per-node 2 examples/fit_panel.py         # two processes on this machine (CPU cores or GPUs)
    torchrun --nnodes 2 --nproc-per-node 8 --rdzv-backend c10d --rdzv-endpoint HOST:29500 examples/fit_panel.py

Options: --series N (default 200), --epochs E (default 2), --batch-size B (default 64, the global batch),
--out PATH (default fit_panel_model), --device auto|cpu|cuda.
Under torchrun every rank trains its share of each batch, prints the same forecasts, and rank 0 alone saves.
"""
import argparse, os, sys

import torch

from lstm_forecast.data import synthetic_panel
from lstm_forecast.distributed import dist_info
from lstm_forecast.forecaster import LSTMForecast


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--series', type=int, default=200)
    ap.add_argument('--epochs', type=float, default=2)
    ap.add_argument('--batch-size', type=int, default=64)
    ap.add_argument('--out', default='fit_panel_model')
    ap.add_argument('--device', default='auto')
    a = ap.parse_args()
    torch.set_num_threads(1)
    df = synthetic_panel(n_series=a.series, min_length=120, max_length=120, freq='D', seed=0)
    model = LSTMForecast(h=14, max_epochs=a.epochs, batch_size=a.batch_size, val_check_steps=50,
                         early_stop_patience_steps=5, device=a.device)
    model.fit(df, val_size=14)                      # under torchrun: DDP, gradients averaged over the ranks
    fc = model.predict()                            # every rank forecasts its share of the series, all get all
    model.save(a.out)                               # rank 0 writes; the others wait for it
    info = dist_info()
    h = model.history_
    line = (f"rank {info.rank} of {info.world_size}: {len(h['train'])} steps, best validation loss "
            f"{h['val'].loss.min():.5f} at step {h['best_step']}; {len(fc)} forecasts, "
            f"sum {fc[model.alias].sum():.6f}; saved to {a.out}\n")
    sys.stdout.write(line)  # one write per line: ranks share stdout, and print() writes the newline separately


if __name__ == '__main__':
    main()
