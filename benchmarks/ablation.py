"""Ablation table of the LSTM variants tried on the accuracy benchmark, read from the forecast cache of accuracy.py.

    python benchmarks/ablation.py            # writes benchmarks/results/ablation.csv and ablation_per_dataset.csv

Nothing is trained: every variant's forecasts were cached by `benchmarks/accuracy.py` (the command of each is listed in
`VARIANTS` and in the output). Per half, a variant is reported only when its cache holds every window of every dataset
of that half. Relative MASE, its geometric mean over datasets and the wins (relative MASE < 1) are computed with
accuracy.py's own functions (`load`, `window_positions`, `mase_table`, `relative_mase`, `geo_mean`), so the numbers
are those accuracy.py prints for the same forecasts. Variants run over several seeds get one row per seed and a
`mean` row (mean of the seeds' geo-means and of their wins).

The defaults changed twice on 2026-11-30: first `linear_skip` and `ema_decay=0.99` (`skip_ema`), then (commit be5a440)
`scaler_type=('robust', 'minmax', 'standard')` with `encoder_hidden_size=32` (`ens_scalers`, today's defaults: run with
no kwargs, the library defaults of that commit). Every command of a run made before a change spells out the defaults
it ran with (`PLAIN`, `BEFORE_ENS`), so that it still computes the forecasts cached under its name (checked bitwise
for `LSTM_skip_ema` and `LSTM_defaults` on a10 and ausbeer); the caches record the kwargs passed at the time, so
against an existing cache accuracy.py asks for another --variant name for those commands. The `LSTM_ens_scalers*`
forecasts were computed for real and are bitwise equal to the `acc2_ensscal_enc32*` ones (recipe ens_scalers,
encoder_hidden_size=32) on all 38 datasets and all three seeds.

The `lib_skip*` and `LSTM_skip_ema` tuning-half runs were made with an out-of-tree prototype of `linear_skip`
(the same layer, added the same way), checked bitwise equal to the library option on a10 before their caches were
renamed (each such cache folder holds a NOTE.txt); the confirmation half of `LSTM_skip_ema` ran on the library.
`lib_ema_nobase` ran before `linear_skip` existed (its commands spell out `linear_skip=False`).

Left out: `LSTM_resid`, `LSTM_resid_ens` (an out-of-tree patch; `lib_base` and `lib_ens3` are their reproducible
equivalents) and `LSTM_deseason_ens` (run while `baseline='seasonal_naive'` was briefly the library default, so its
forecasts are not those of its recorded settings).
"""
from __future__ import annotations
import json, os, sys
from pathlib import Path

os.environ.setdefault('OMP_NUM_THREADS', '1'); os.environ.setdefault('MKL_NUM_THREADS', '1')
import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
import accuracy as A   # noqa: E402  (benchmarks/accuracy.py)

ACC = 'python benchmarks/accuracy.py'
# The defaults changed twice on 2026-11-30. First linear_skip and ema_decay=0.99 came on: the runs made before spell out
# the plain network they ran (PLAIN). Then (commit be5a440) the scaler ensemble with encoder_hidden_size=32: every run
# made before spells out the single robust-scaled network of 64 units (BEFORE_ENS). So every command still computes its
# forecasts; the caches record the kwargs passed at the time.
PLAIN = {'linear_skip': False, 'ema_decay': None}
BEFORE_ENS = {'scaler_type': 'robust', 'encoder_hidden_size': 64}

def _lstm(variant, half, kwargs=None, recipe=None, plain=True, today=False):
    """the accuracy.py command that computes this variant's forecasts (`plain`: run before the first change). Where the
    cache recorded fewer kwargs (the defaults of the time left out), accuracy.py refuses it under the same name: to
    recompute against that cache, pass another --variant name."""
    kwargs = {**(PLAIN if plain else {}), **(kwargs or {})}
    if not today: kwargs = {**kwargs, **{k: v for k, v in BEFORE_ENS.items() if k not in kwargs}}
    return (f'{ACC} --half {half} --models LSTM --variant {variant}' + (f' --recipe {recipe}' if recipe else '')
            + (f" --lstm-kwargs '{json.dumps(kwargs)}'" if kwargs else ''))

def _seeds(base, half, kwargs=None, recipe=None, names=None, plain=True, today=False):
    "seed 0, 1, 2 of a variant: (cache name, command); seed 0 is the variant itself (random_seed defaults to 0)"
    kwargs = kwargs or {}
    names = names or [base, f'{base}_seed1', f'{base}_seed2']
    return [(n, _lstm(n, half, {**kwargs, 'random_seed': s} if s else kwargs, recipe, plain, today))
            for s, n in enumerate(names)]

# (row name, description, [(cache name, command), ...] one per seed[, kwargs recorded in the cache's variant.json]).
# The last item is given for the lib_* runs made while `baseline='auto'` (= 'seasonal_naive') was briefly the library
# default: their cache records the kwargs passed, their forecasts are those of the command's kwargs (the baseline
# spelled out), which is how to reproduce them now (under a new --variant name: accuracy.py refuses to mix settings).
VARIANTS = [
    ('ens_scalers', "today's defaults (since commit be5a440), chosen on the tuning half: LSTMForecast(h, freq), "
     "the median of 3 networks scaled robust, minmax and standard (scaler_type=('robust', 'minmax', 'standard')), "
     "encoder_hidden_size=32, linear_skip, ema_decay=0.99 (seed 0 = the full run)",
     _seeds('LSTM_ens_scalers', 'both', plain=False, today=True)),
    ('skip_ema', "the defaults before the second change of 2026-11-30: linear_skip + ema_decay=0.99, one "
     "robust-scaled network with encoder_hidden_size=64 (seed 0 = its full run)",
     _seeds('LSTM_skip_ema', 'both', {'linear_skip': True, 'ema_decay': 0.99}, plain=False)),
    ('defaults', 'the plain network, the defaults before the first change of 2026-11-30: linear_skip=False, '
     "ema_decay=None, baseline=None, ensemble_size=1, scaler_type='robust', encoder_hidden_size=64 (seed 0 = its full run)",
     _seeds('LSTM_defaults', 'both', names=['LSTM_defaults', 'LSTM_defaults_seed1', 'LSTM_defaults_seed2'])),
    ('defaults, older code', 'the same defaults as cached by the first runs (results/summary_LSTM.csv), with the library '
     'code of that time (before part of the float64 scaling work); the reference of the recipes',
     [('LSTM', _lstm('LSTM', 'both'))] + _seeds('LSTM', 'tuning')[1:]),
    ('log', 'recipe log: log y when every training value is > 0, exp back (older code)', _seeds('LSTM_log', 'tuning', recipe='log')),
    ('deseason', 'recipe deseason: classical decomposition, LSTM on the adjusted series, reseasonalised (older code)',
     _seeds('LSTM_deseason', 'tuning', recipe='deseason')),
    ('season_input', 'recipe season_input: input_size = max(3m, h) (3h when m = 1), capped (older code)',
     _seeds('LSTM_season_input', 'tuning', recipe='season_input')),
    ('steps_windows', 'recipe steps_windows: max_steps = 10 passes over the windows, clipped to [200, 2000] (older code)',
     _seeds('LSTM_steps_windows', 'tuning', recipe='steps_windows')),
    ('ens_seeds', 'recipe ens_seeds: median of 3 networks, seeds 0-2 (older code)',
     [('LSTM_ens_seeds', _lstm('LSTM_ens_seeds', 'tuning', recipe='ens_seeds'))]),
    ('ens_inputs', 'recipe ens_inputs: median of 3 networks, input_size 1, 2, 3 x max(h, m) (older code)',
     [('LSTM_ens_inputs', _lstm('LSTM_ens_inputs', 'tuning', recipe='ens_inputs'))]),
    ('lib_base', "library option baseline='seasonal_naive': the network learns the correction to the seasonal-naive forecast",
     _seeds('lib_base', 'both', {'baseline': 'seasonal_naive'})),
    ('lib_ema', "library option ema_decay=0.99 (weights averaged), with baseline='seasonal_naive'",
     [('lib_ema', _lstm('lib_ema', 'tuning', {'ema_decay': 0.99, 'baseline': 'seasonal_naive'}))], {'ema_decay': 0.99}),
    ('lib_ens3', "library options ensemble_size=3 (median), baseline='seasonal_naive'",
     [('lib_ens3', _lstm('lib_ens3', 'both', {'ensemble_size': 3, 'baseline': 'seasonal_naive'}))], {'ensemble_size': 3}),
    ('lib_ens3_cos', "lib_ens3 + lr_schedule='cosine'",
     [('lib_ens3_cos', _lstm('lib_ens3_cos', 'tuning', {'ensemble_size': 3, 'baseline': 'seasonal_naive', 'lr_schedule': 'cosine'}))],
     {'ensemble_size': 3, 'lr_schedule': 'cosine'}),
    ('lib_ens3_ema', 'lib_ens3 + ema_decay=0.99',
     [('lib_ens3_ema', _lstm('lib_ens3_ema', 'tuning', {'ensemble_size': 3, 'baseline': 'seasonal_naive', 'ema_decay': 0.99}))],
     {'ensemble_size': 3, 'ema_decay': 0.99}),
    ('lib_ens5_s300', "ensemble_size=5, max_steps=300, baseline='seasonal_naive'",
     [('lib_ens5_s300', _lstm('lib_ens5_s300', 'tuning', {'ensemble_size': 5, 'max_steps': 300, 'baseline': 'seasonal_naive'}))],
     {'ensemble_size': 5, 'max_steps': 300}),
    ('lib_ens3_nobase', 'ensemble_size=3 (median), no baseline',
     [('lib_ens3_nobase', _lstm('lib_ens3_nobase', 'both', {'ensemble_size': 3, 'baseline': None}))]),
    ('lib_ema_nobase', 'ema_decay=0.99 (weights averaged), no baseline, no linear skip',
     _seeds('lib_ema_nobase', 'tuning', {'ema_decay': 0.99, 'baseline': None})),
    ('lib_skip', 'linear_skip=True (a linear map of the input window added to the output), no weight averaging',
     _seeds('lib_skip', 'tuning', {'linear_skip': True, 'ema_decay': None}, plain=False)),
    ('lib_skip_ens3', 'linear_skip=True, ensemble_size=3 (median), no weight averaging',
     [('lib_skip_ens3', _lstm('lib_skip_ens3', 'tuning', {'linear_skip': True, 'ema_decay': None, 'ensemble_size': 3},
                              plain=False))]),
    # 2026-11-30, on the defaults of the time (linear_skip, ema_decay=0.99): a helper's search (results/acc2_summary.csv);
    # the four best on the tuning half ran once on the confirmation half, with 3 seeds; the best, acc2_ensscal_enc32,
    # became today's defaults (ens_scalers above: the same forecasts)
    ('acc2_input3', 'recipe input3: input_size = max(3h, 3m), at most half the shortest training part, never below the '
     'default', _seeds('acc2_input3', 'both', recipe='input3', plain=False)),
    ('acc2_std', "scaler_type='standard' (mean and standard deviation of each window's inputs)",
     _seeds('acc2_std', 'both', {'scaler_type': 'standard'}, plain=False)),
    ('acc2_minmax', "scaler_type='minmax'", _seeds('acc2_minmax', 'both', {'scaler_type': 'minmax'}, plain=False)),
    ('acc2_ensscal_enc32', 'recipe ens_scalers: median of 3 networks scaled robust, minmax and standard (same seed), '
     "encoder_hidden_size=32 (bitwise the forecasts of ens_scalers, today's defaults)",
     _seeds('acc2_ensscal_enc32', 'both', {'encoder_hidden_size': 32}, recipe='ens_scalers', plain=False)),
    ('acc2_in3_skiplong', 'prototype recipe skip_long: the linear skip reads a 3h/3m window, the LSTM the default one',
     _seeds('acc2_in3_skiplong', 'tuning', {'input_mult': 3}, recipe='skip_long', plain=False)),
    ('acc2_in4', 'recipe input_k: input_size = max(4h, 4m), capped',
     [('acc2_in4', _lstm('acc2_in4', 'tuning', {'input_mult': 4}, recipe='input_k', plain=False))]),
    ('acc2_in3_log', 'recipe input_k_log: input3 and log y when every training value is > 0',
     [('acc2_in3_log', _lstm('acc2_in3_log', 'tuning', {'input_mult': 3}, recipe='input_k_log', plain=False))]),
    ('acc2_in3_std', "input3 + scaler_type='standard'",
     [('acc2_in3_std', _lstm('acc2_in3_std', 'tuning', {'input_mult': 3, 'scaler_type': 'standard'}, recipe='input_k', plain=False))]),
    ('acc2_in3_lstmlong', 'prototype recipe lstm_long: the LSTM reads a 3h/3m window, the linear skip the default one',
     [('acc2_in3_lstmlong', _lstm('acc2_in3_lstmlong', 'tuning', {'input_mult': 3}, recipe='lstm_long', plain=False))]),
    ('acc2_in3_lr3e3', 'input3 + learning_rate=3e-3',
     [('acc2_in3_lr3e3', _lstm('acc2_in3_lr3e3', 'tuning', {'input_mult': 3, 'learning_rate': 0.003}, recipe='input_k', plain=False))]),
    ('acc2_in3_ema995', 'input3 + ema_decay=0.995 (the same forecasts as 0.99: at 500 steps the ramp sets the decay)',
     [('acc2_in3_ema995', _lstm('acc2_in3_ema995', 'tuning', {'input_mult': 3, 'ema_decay': 0.995}, recipe='input_k', plain=False))]),
    ('acc2_in3_ema_a3', 'prototype recipe ema_poly: input3 + a weight average with a longer tail',
     [('acc2_in3_ema_a3', _lstm('acc2_in3_ema_a3', 'tuning', {'input_mult': 3, 'ema_a': 3}, recipe='ema_poly', plain=False))]),
    ('acc2_in3_wd1e3', 'input3 + weight_decay=1e-3',
     [('acc2_in3_wd1e3', _lstm('acc2_in3_wd1e3', 'tuning', {'input_mult': 3, 'weight_decay': 0.001}, recipe='input_k', plain=False))]),
    ('acc2_in3_enc32', 'input3 + encoder_hidden_size=32',
     [('acc2_in3_enc32', _lstm('acc2_in3_enc32', 'tuning', {'input_mult': 3, 'encoder_hidden_size': 32}, recipe='input_k', plain=False))]),
    ('acc2_ens3_enc32', 'ensemble_size=3 (median), encoder_hidden_size=32',
     [('acc2_ens3_enc32', _lstm('acc2_ens3_enc32', 'tuning', {'ensemble_size': 3, 'encoder_hidden_size': 32}, recipe=None, plain=False))]),
    ('acc2_ens2_enc32', 'ensemble_size=2 (median), encoder_hidden_size=32',
     [('acc2_ens2_enc32', _lstm('acc2_ens2_enc32', 'tuning', {'ensemble_size': 2, 'encoder_hidden_size': 32}, recipe=None, plain=False))]),
    # The third and fourth searches (2026-11-30), on today's defaults (`today=True`: no kwargs = the defaults).
    ('acc3_enc64', "today's defaults with encoder_hidden_size=64",
     _seeds('acc3_enc64', 'tuning', {'encoder_hidden_size': 64}, plain=False, today=True)),
    ('acc3_in3', "today's defaults with input_size max(3h, 3m), capped at half the shortest training part (recipe input_k)",
     _seeds('acc3_in3', 'tuning', {'input_mult': 3}, recipe='input_k', plain=False, today=True)),
    ('acc3_steps1k', "today's defaults with max_steps=1000",
     _seeds('acc3_steps1k', 'tuning', {'max_steps': 1000}, plain=False, today=True)),
    ('acc4_log', "today's defaults on log(y) when every training value is > 0, exp back (recipe log)",
     [('acc4_log', _lstm('acc4_log', 'tuning', recipe='log', plain=False, today=True))]),
    ('acc4_deseason', "today's defaults on the classically deseasonalised series, reseasonalised (recipe deseason)",
     [('acc4_deseason', _lstm('acc4_deseason', 'tuning', recipe='deseason', plain=False, today=True))]),
    ('acc4_cos', "today's defaults with lr_schedule='cosine'",
     [('acc4_cos', _lstm('acc4_cos', 'tuning', {'lr_schedule': 'cosine'}, plain=False, today=True))]),
    ('acc4_lr2e3', "today's defaults with learning_rate=2e-3 (default 5e-3)",
     [('acc4_lr2e3', _lstm('acc4_lr2e3', 'tuning', {'learning_rate': 0.002}, plain=False, today=True))]),
    ('acc4_lr1e2', "today's defaults with learning_rate=1e-2",
     [('acc4_lr1e2', _lstm('acc4_lr1e2', 'tuning', {'learning_rate': 0.01}, plain=False, today=True))]),
    ('acc4_in1x', "today's defaults with input_size max(h, m): half the default window (recipe input_1x)",
     [('acc4_in1x', _lstm('acc4_in1x', 'tuning', recipe='input_1x', plain=False, today=True))]),
    ('acc4_last4', "prototype: a fourth network scaled by its window's last value and mean absolute step (scaler "
     "'last', recipe scalers_last), median of 4",
     [('acc4_last4', _lstm('acc4_last4', 'tuning', recipe='scalers_last', plain=False, today=True))]),
    ('acc4_rml', "prototype: scalers robust, minmax, last (the 'last' network instead of the standard one)",
     [('acc4_rml', _lstm('acc4_rml', 'tuning', {'scalers': ['robust', 'minmax', 'last']}, recipe='scalers_last', plain=False, today=True))]),
    ('acc4_last1', "prototype: one network scaled by the 'last' scaler",
     [('acc4_last1', _lstm('acc4_last1', 'tuning', {'scalers': ['last']}, recipe='scalers_last', plain=False, today=True))]),
    ('acc4_es', "early stopping on each series' last h steps (up to 1000 steps, patience 4 checks of 25 steps), "
     "forecast with the networks trained without those steps (recipe early_stop)",
     [('acc4_es', _lstm('acc4_es', 'tuning', recipe='early_stop', plain=False, today=True))]),
    ('acc4_es_refit', "early stopping as acc4_es, then refit on all the data for the members' median best step count",
     [('acc4_es_refit', _lstm('acc4_es_refit', 'tuning', {'refit': True}, recipe='early_stop', plain=False, today=True))]),
    ('acc4_per_series', "one model per series of a panel instead of one global model (recipe per_series; single "
     "series as the defaults)",
     [('acc4_per_series', _lstm('acc4_per_series', 'tuning', recipe='per_series', plain=False, today=True))]),
    ('acc4_ens_mean', "the mean instead of the median of the defaults' three networks (recipe ens_scalers_mean)",
     [('acc4_ens_mean', _lstm('acc4_ens_mean', 'tuning', recipe='ens_scalers_mean', plain=False, today=True))]),
    ('acc4_steps_long', "training length scaled to the windows: max_steps = 40 passes over all the training windows "
     "(batches of 32), within [500, 2000] (recipe steps_long)",
     _seeds('acc4_steps_long', 'tuning', recipe='steps_long', plain=False, today=True)),
    ('acc4_steps_series', "as acc4_steps_long with the windows counted per series (their mean over a panel's "
     "series), so panels keep 500 steps (recipe steps_series); chosen on the tuning half, run on the confirmation half",
     _seeds('acc4_steps_series', 'both', recipe='steps_series', plain=False, today=True)),
    ('acc4_tail_pad', "windows whose targets run past each series' end train on the targets they have (h-1 missing "
     "steps appended, masked loss, as neuralforecast pads its training windows); recipe tail_pad; seeds 0 and 1",
     _seeds('acc4_tail_pad', 'tuning', recipe='tail_pad', names=['acc4_tail_pad', 'acc4_tail_pad_seed1'], plain=False, today=True)),
    ('acc4_ridge001', "prototype: each network's linear skip starts from the ridge fit of the scaled targets on the "
     "scaled input windows (penalty 0.01 x mean diagonal of X'X) instead of zero (recipe ridge_skip)",
     [('acc4_ridge001', _lstm('acc4_ridge001', 'tuning', {'lam': 0.01}, recipe='ridge_skip', plain=False, today=True))]),
    ('acc4_ridge01', "prototype: the same with penalty 0.1",
     [('acc4_ridge01', _lstm('acc4_ridge01', 'tuning', {'lam': 0.1}, recipe='ridge_skip', plain=False, today=True))]),
    ('Naive', 'statistical baseline: last value', [('Naive', f'{ACC} --models Naive')]),
    ('AutoETS', 'statistical baseline: statsforecast AutoETS (no season when m > 24)', [('AutoETS', f'{ACC} --models AutoETS')]),
    ('AutoARIMA', 'statistical baseline: statsforecast AutoARIMA', [('AutoARIMA', f'{ACC} --models AutoARIMA')]),
    ('SeasonalNaive', 'the scale: relative MASE 1 by definition', [('SeasonalNaive', f'{ACC} --models SeasonalNaive')]),
]
HALVES = ['tuning', 'confirmation']


def read_cached(model: str, ds: A.Dataset):
    "the model's cached forecasts of every window of `ds`, or None when a window is missing"
    files = [A._cache_file(model, ds, w) for w in range(A.N_WINDOWS)]
    if not all(f.exists() for f in files): return None
    return pd.concat([pd.read_csv(f, parse_dates=['ds'], dtype={'unique_id': str}) for f in files], ignore_index=True)

def relative_table(models: list) -> pd.DataFrame:
    "relative MASE per dataset (rows) and model (columns, NaN where the cache lacks a window), as accuracy.py scores it"
    from lstm_forecast.forecaster import season_length
    rows = []
    for ds in A.DATASETS:
        df = A.load(ds)
        m = season_length(ds.freq)
        _, win = A.window_positions(df, ds.h)
        test = df[win >= 0].assign(window=win[win >= 0])[['unique_id', 'ds', 'window', 'y']].reset_index(drop=True)
        cols = {}
        for model in dict.fromkeys(['SeasonalNaive'] + models):
            f = read_cached(model, ds)
            if f is None: continue
            merged = test[['unique_id', 'ds', 'window']].merge(f[['unique_id', 'ds', 'window', 'yhat']], how='left',
                                                               on=['unique_id', 'ds', 'window'])
            if merged['yhat'].isna().any(): raise RuntimeError(f'{model} lacks forecasts on {ds.name}')
            cols[model] = merged['yhat'].to_numpy()
        fc = pd.concat([test, pd.DataFrame(cols, index=test.index)], axis=1)   # one concat: no fragmented frame
        got = [c for c in fc.columns if c not in ('unique_id', 'ds', 'window', 'y', 'SeasonalNaive')]
        mases = A.mase_table(df, fc, ds.h, m)
        # one model at a time, as accuracy.py scores a run (the cells dropped are the zero-scale ones, the same for all)
        rel = {k: float(A.relative_mase(mases, [k])[k]) for k in got}
        rows.append({'dataset': ds.name, 'half': A.HALF[ds.name], 'group': ds.group, 'SeasonalNaive': 1.0, **rel})
    return pd.DataFrame(rows).reindex(columns=['dataset', 'half', 'group'] + list(dict.fromkeys(['SeasonalNaive'] + models)))


def ablation(per: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for name, desc, seeds, *recorded in VARIANTS:
        for half in HALVES:
            t = per[per['half'] == half]
            done = [(c, cmd) for c, cmd in seeds if t[c].notna().all()]
            for k, (c, cmd) in enumerate(done):
                r = t[c]
                rows.append({'variant': name, 'run': c, 'seed': (seeds.index((c, cmd)) if len(seeds) > 1 else ''),
                             'description': desc, 'half': half, 'geo-mean relative MASE': A.geo_mean(r),
                             'wins': int((r < 1).sum()), 'datasets': len(r), 'command': cmd})
            if len(done) > 1:
                sub = pd.DataFrame(rows[-len(done):])
                rows.append({'variant': name, 'run': 'mean of ' + ', '.join(c for c, _ in done), 'seed': 'mean',
                             'description': desc, 'half': half,
                             'geo-mean relative MASE': sub['geo-mean relative MASE'].mean(), 'wins': sub['wins'].mean(),
                             'datasets': len(t), 'command': ''})
    return pd.DataFrame(rows)


def check_recorded():
    "warn where a cache's variant.json differs from the command listed (expected only for the runs noted in VARIANTS)"
    for name, desc, seeds, *recorded in VARIANTS:
        for c, cmd in seeds:
            meta = A.RESULTS / 'cache' / c / 'variant.json'
            if not meta.exists(): continue
            got = json.loads(meta.read_text())['kwargs']
            want = json.loads(cmd.split("--lstm-kwargs '")[1].rstrip("'")) if '--lstm-kwargs' in cmd else {}
            # BEFORE_ENS: added to the commands after the runs (no run passed these values itself)
            want = {k: v for k, v in want.items() if not (k in BEFORE_ENS and BEFORE_ENS[k] == v)}
            plain_then = {k: v for k, v in want.items() if not (k in PLAIN and PLAIN[k] == v)}  # PLAIN: the defaults then
            if got != want and got != plain_then:
                note = '' if recorded and got == recorded[0] else '  <- UNEXPECTED'
                print(f'note: {c} was cached with kwargs {got}; its forecasts are those of {want}{note}')


def main():
    models = [c for _, _, seeds, *_ in VARIANTS for c, _ in seeds]
    check_recorded()
    per = relative_table(models)
    tab = ablation(per)
    A.RESULTS.mkdir(parents=True, exist_ok=True)
    tab.to_csv(A.RESULTS / 'ablation.csv', index=False)
    per.to_csv(A.RESULTS / 'ablation_per_dataset.csv', index=False)
    pd.set_option('display.width', 250); pd.set_option('display.max_rows', 200); pd.set_option('display.max_colwidth', 60)
    for half in HALVES:
        t = tab[tab['half'] == half]
        print(f'\n{half} half ({int(t["datasets"].max()) if len(t) else 0} datasets): geo-mean relative MASE, wins (relative MASE < 1)')
        print(t[['variant', 'run', 'geo-mean relative MASE', 'wins', 'datasets']].round(3).to_string(index=False))
    print(f'\nmachine (of this read; the fits ran where accuracy.py ran): {A.machine_line()}')
    print(f'wrote {A.RESULTS / "ablation.csv"} and {A.RESULTS / "ablation_per_dataset.csv"}')


if __name__ == '__main__':
    main()
