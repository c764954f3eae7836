"Shared pytest setup: one torch thread (small LSTMs on 2 cores run far slower with two), headless plots."
import os
os.environ.setdefault('MPLBACKEND', 'Agg')

import matplotlib
matplotlib.use('Agg')
import torch

torch.set_num_threads(1)
