"""Shared pytest setup: one torch thread (small LSTMs on 2 cores run far slower with two), headless plots, and
reproducible property tests in CI (Hypothesis draws the same examples on every CI run; locally it explores)."""
import os
os.environ.setdefault('MPLBACKEND', 'Agg')

import matplotlib
matplotlib.use('Agg')
import torch
from hypothesis import settings

torch.set_num_threads(1)

# no deadlines: examples do variable work (training steps, frames of drawn sizes) and a loaded machine is slow
settings.register_profile('ci', derandomize=True, print_blob=True, deadline=None)
settings.register_profile('local', deadline=None)
settings.load_profile('ci' if os.environ.get('CI') else 'local')
