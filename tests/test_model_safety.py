"""The forecaster never loses the user's data and never answers wrongly in silence (issue 15, items 1-9, 14, 15):
`save` removes nothing it did not write and is atomic for concurrent readers and writers, ids and time zones survive
save/load exactly, a call that raises leaves the model as it was, cross-validation never changes the fitted model,
`fit` never guesses the layout, aliases cannot overwrite key columns, and an edited config is refused before anything
is built."""
import re
import json, os, subprocess, sys, textwrap, time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings, HealthCheck, strategies as st

from lstm_forecast.data import synthetic_panel
from lstm_forecast.forecaster import LSTMForecast, Forecasters, PredictionIntervals, check_save_path
from lstm_forecast.baselines import SeasonalNaive

TINY = dict(input_size=5, max_steps=5, encoder_hidden_size=8, decoder_hidden_size=8)


@pytest.fixture(scope='module')
def df():
    return synthetic_panel(n_series=2, min_length=40, max_length=50, freq='D', seed=1)


@pytest.fixture(scope='module')
def model(df):
    return LSTMForecast(h=3, **TINY).fit(df)


def tree(folder: Path) -> dict:
    "Every file under `folder` and its bytes"
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob('*')) if p.is_file()}


# ---------------------------------------------------------------- item 1: save never deletes what it did not write
def test_save_refuses_a_folder_with_the_users_files(model, tmp_path):
    (tmp_path / 'notes.txt').write_text('x')
    (tmp_path / 'data.csv').write_text('a,b\n1,2\n')
    before = tree(tmp_path)
    with pytest.raises(ValueError, match='not a saved LSTMForecast.*saving would delete them'):
        model.save(tmp_path)
    assert tree(tmp_path) == before


@pytest.mark.parametrize('bad', ['.', '', './'])
def test_save_refuses_the_current_folder(model, tmp_path, monkeypatch, bad):
    monkeypatch.chdir(tmp_path)
    (tmp_path / 'keep.txt').write_text('mine')
    with pytest.raises(ValueError, match='current folder'):
        model.save(bad)
    assert tree(tmp_path) == {'keep.txt': b'mine'}


def test_save_refuses_a_file_and_a_path_below_a_file(model, tmp_path):
    f = tmp_path / 'model.bin'; f.write_text('not a folder')
    with pytest.raises(ValueError, match='is a file'):
        model.save(f)
    with pytest.raises(ValueError, match='is a file, not a folder'):
        model.save(f / 'sub')
    assert f.read_text() == 'not a folder'


def test_save_refuses_a_saved_model_with_extra_files_and_overwrites_a_clean_one(model, df, tmp_path):
    path = model.save(tmp_path / 'm')
    other = LSTMForecast(h=3, **{**TINY, 'random_seed': 3}).fit(df)
    other.save(path)  # a model saved before: replaced
    pd.testing.assert_frame_equal(LSTMForecast.load(path).predict(), other.predict())
    (path / 'README.md').write_text('my notes')
    with pytest.raises(ValueError, match='README.md'):
        model.save(path)
    assert (path / 'README.md').read_text() == 'my notes'
    empty = tmp_path / 'empty'; empty.mkdir()
    model.save(empty)  # an empty folder is fine
    assert sorted(p.name for p in empty.iterdir()) == ['config.json', 'weights.safetensors']


def test_save_refuses_a_symlink(model, tmp_path):
    target = tmp_path / 'real'; target.mkdir(); (target / 'x.txt').write_text('x')
    link = tmp_path / 'link'; link.symlink_to(target)
    with pytest.raises(ValueError, match='link'):
        model.save(link)
    assert (target / 'x.txt').read_text() == 'x'


_NAMES = st.sampled_from(['notes.txt', 'config.json', 'weights.safetensors', 'data.csv', '.hidden', 'sub/x.txt'])


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(files=st.dictionaries(_NAMES, st.binary(max_size=20), max_size=4), as_model=st.booleans())
def test_property_save_never_removes_a_file_it_did_not_write(model, tmp_path_factory, files, as_model):
    folder = tmp_path_factory.mktemp('target')
    if as_model: model.save(folder / 'm')
    for name, data in files.items():
        p = folder / 'm' / name; p.parent.mkdir(parents=True, exist_ok=True); p.write_bytes(data)
    before = tree(folder)
    try: model.save(folder / 'm')
    except ValueError: assert tree(folder) == before; return
    after = tree(folder)
    ours = {'m/config.json', 'm/weights.safetensors'}
    assert set(after) == ours
    assert all(k in ours for k in before)  # it replaced only files a save had written


# ---------------------------------------------------------------- item 2: atomic for concurrent readers and writers
_WORKER = textwrap.dedent("""
    import sys, time, torch
    torch.set_num_threads(1)
    from lstm_forecast.forecaster import LSTMForecast
    src, path, role, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    m = LSTMForecast.load(src)
    fails = 0
    for i in range(n):
        if role == 'save': m.save(path)
        else:
            try: LSTMForecast.load(path)
            except ValueError as e: fails += 1; print('load failed:', e)
    print('fails', fails)
""")


def test_concurrent_saves_and_loads_see_a_whole_model(model, tmp_path):
    src = model.save(tmp_path / 'src')
    path = model.save(tmp_path / 'shared')
    env = dict(os.environ, OMP_NUM_THREADS='1')
    procs = [subprocess.Popen([sys.executable, '-c', _WORKER, str(src), str(path), role, str(n)], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for role, n in (('save', 40), ('save', 40), ('load', 80))]
    outs = []
    for p in procs:
        try: outs.append(p.communicate(timeout=600))
        except subprocess.TimeoutExpired: p.kill(); pytest.fail('a concurrent save/load worker did not finish in 600 s')
    for p, (out, err) in zip(procs, outs): assert p.returncode == 0 and out.strip().endswith('fails 0'), (out, err[-2000:])
    assert sorted(p.name for p in tmp_path.iterdir()) == ['shared', 'src']  # no debris
    LSTMForecast.load(path)


# ---------------------------------------------------------------- items 3, 4: exact round trips
def _two_series(df, a, b):
    s = df[df.unique_id == df.unique_id.iloc[0]]
    ids = np.empty(2 * len(s), dtype=object); ids[:len(s)] = [a] * len(s); ids[len(s):] = [b] * len(s)
    return pd.DataFrame({'unique_id': ids, 'ds': np.tile(s.ds.to_numpy(), 2), 'y': np.tile(s.y.to_numpy(), 2)})


@pytest.mark.parametrize('ids', [(1, '1'), (True, False), (('a', 1), ('b', 2)), (1.5, 2.0),
                                 (pd.Timestamp('2020-01-01'), pd.Timestamp('2021-06-01')), ('category', None)],
                         ids=['int and str', 'bool', 'tuple', 'float', 'datetime', 'categorical'])
def test_ids_keep_their_type_through_save_and_load(df, tmp_path, ids):
    if ids[0] == 'category': x = df.assign(unique_id=df.unique_id.astype('category'))
    else:
        x = _two_series(df, *ids)
        if isinstance(ids[0], (bool, pd.Timestamp, float)): x['unique_id'] = x['unique_id'].astype(
            {bool: 'bool', pd.Timestamp: 'datetime64[ns]', float: 'float64'}[type(ids[0])])
    m = LSTMForecast(h=3, **TINY).fit(x, prediction_intervals=PredictionIntervals(n_windows=2))
    before = m.predict(level=[80])
    assert len(before) == 6
    loaded = LSTMForecast.load(m.save(tmp_path / 'm'))
    pd.testing.assert_frame_equal(loaded.predict(level=[80]), before)
    pd.testing.assert_frame_equal(loaded.predict(df=x, level=[80]), m.predict(df=x, level=[80]))


@pytest.mark.parametrize('tz', ['Europe/Berlin', 'America/New_York', 'UTC'])
def test_time_zones_across_a_dst_change_load_back(tmp_path, tz):
    ds = pd.date_range('2020-10-24', periods=60, freq='h', tz=tz)  # Berlin's DST ends on 2020-10-25
    x = pd.DataFrame({'unique_id': 'a', 'ds': ds, 'y': np.sin(np.arange(60) / 3)})
    m = LSTMForecast(h=3, **TINY).fit(x)
    loaded = LSTMForecast.load(m.save(tmp_path / 'm'))
    pd.testing.assert_frame_equal(loaded.predict(), m.predict())
    assert str(loaded.predict().ds.dtype) == str(x.ds.dtype)


def test_ids_that_cannot_be_saved_are_refused_before_writing(df, tmp_path):
    class Sensor:
        def __init__(self, k): self.k = k
        def __repr__(self): return f'Sensor({self.k})'
        def __hash__(self): return self.k
        def __eq__(self, o): return isinstance(o, Sensor) and o.k == self.k
        def __lt__(self, o): return self.k < o.k
    x = _two_series(df, Sensor(1), Sensor(2))
    m = LSTMForecast(h=3, **TINY).fit(x)
    with pytest.raises(ValueError, match='cannot be saved.*astype\\(str\\)'):
        m.save(tmp_path / 'm')
    assert not (tmp_path / 'm').exists() and list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------- items 5, 6: a call that raises changes nothing
def test_a_failed_refit_keeps_the_fitted_model(df):
    m = LSTMForecast(h=3, **TINY).fit(df, prediction_intervals=PredictionIntervals(n_windows=2))
    before = m.predict(level=[80])
    with pytest.raises(ValueError, match='too short for 50 windows'):
        m.fit(df, prediction_intervals=PredictionIntervals(n_windows=50))
    assert m.fitted_
    pd.testing.assert_frame_equal(m.predict(level=[80]), before)
    with pytest.raises(ValueError):
        m.fit(df.assign(y=np.nan))
    pd.testing.assert_frame_equal(m.predict(level=[80]), before)


def test_cross_validation_leaves_the_fitted_model_as_it_was(df):
    m = LSTMForecast(h=3, **TINY).fit(df, prediction_intervals=PredictionIntervals(n_windows=2))
    before = m.predict(level=[80])
    m.cross_validation(df, n_windows=2)
    m.cross_validation(df, n_windows=2, refit=True)
    pd.testing.assert_frame_equal(m.predict(level=[80]), before)
    assert (m.predict().ds > df.ds.max()).all()  # forecasts after the data, never inside the history
    with pytest.raises(ValueError):
        m.cross_validation(df, n_windows=100)
    pd.testing.assert_frame_equal(m.predict(level=[80]), before)  # the calibration is still there


# ---------------------------------------------------------------- item 8: no guessing inside fit
def test_fit_refuses_frames_that_are_not_long_with_the_fix(df):
    m = LSTMForecast(h=3, **TINY)
    with pytest.raises(ValueError, match="no column 'ds'.*name your time column ds"):
        m.fit(df.drop(columns='ds'))
    with pytest.raises(ValueError, match=r'in its index.*df.reset_index\(\)'):
        m.fit(df.set_index(['unique_id', 'ds']))
    with pytest.raises(ValueError, match="no column 'unique_id'.*df.assign"):
        m.fit(df.drop(columns='unique_id'))
    with pytest.raises(TypeError, match='read_series'):
        m.fit(df.set_index('ds')['y'])
    for call in (lambda: m.fit(df).predict(df=df.drop(columns='ds')),
                 lambda: m.cross_validation(df.set_index(['unique_id', 'ds']))):
        with pytest.raises(ValueError): call()


# ---------------------------------------------------------------- item 9: aliases never overwrite key columns
@pytest.mark.parametrize('alias', ['y', 'ds', 'unique_id', 'cutoff', 'LSTM-median', 'A-lo-90', ''])
def test_reserved_aliases_are_refused(alias):
    with pytest.raises((ValueError, TypeError), match='alias'):
        LSTMForecast(h=3, alias=alias)


def test_forecasters_refuse_reserved_and_duplicate_aliases():
    class Fake:
        alias, h = 'y', 3
        def fit(self, df): return self
        def predict(self, **k): return None
    with pytest.raises(ValueError, match="alias='y'"):
        Forecasters([LSTMForecast(h=3), Fake()])
    with pytest.raises(ValueError, match='share the alias'):
        Forecasters([LSTMForecast(h=3, alias='SeasonalNaive'), SeasonalNaive(h=3, season_length=7)])


# ---------------------------------------------------------------- item 14: an edited config is refused before building
@pytest.mark.parametrize('edit', [('init', 'decoder_layers', 10**6), ('init', 'encoder_n_layers', 10**5), ('init', 'alias', 'Other'),
                                  ('freq', None, 'h'), ('init', 'scaler_type', 'minmax'), ('format_version', None, 1)])
def test_edited_config_is_refused_quickly(model, tmp_path, edit):
    path = model.save(tmp_path / 'm')
    cfg = json.loads((path / 'config.json').read_text())
    if edit[1] is None: cfg[edit[0]] = edit[2]
    else: cfg[edit[0]][edit[1]] = edit[2]
    (path / 'config.json').write_text(json.dumps(cfg))
    t0 = time.perf_counter()
    with pytest.raises(ValueError, match='inconsistent model'):
        LSTMForecast.load(path)
    assert time.perf_counter() - t0 < 30  # refused from the sizes, not after building a huge network


def test_format_1_sizes_are_checked_against_the_weights():
    import torch
    from lstm_forecast.forecaster import _check_sizes
    m = LSTMForecast(h=3, **TINY)
    tensors = {k: torch.zeros(v) for k, v in [('model.encoder.weight_hh_l0', (32, 8)), ('model.decoder.0.weight', (8, 8)),
                                                ('model.decoder.2.weight', (8, 8)), ('model.decoder.4.weight', (3, 8))]}
    init = {'encoder_n_layers': 1, 'decoder_layers': 2, 'encoder_hidden_size': 8, 'decoder_hidden_size': 8}
    _check_sizes(init, tensors, 1)
    with pytest.raises(ValueError, match='decoder_layers=1000000 but the weights have 2'):
        _check_sizes({**init, 'decoder_layers': 10**6}, tensors, 1)
    with pytest.raises(ValueError, match='it lists 3 networks .* but the weights hold 1'):
        _check_sizes(init, tensors, 3)


# ---------------------------------------------------------------- item 15: clear errors
def test_seed_out_of_range_is_refused():
    with pytest.raises(ValueError, match=re.escape('random_seed=18446744073709551616 is outside [0, 2**32 - 1]')):
        LSTMForecast(h=3, random_seed=2**64)
    with pytest.raises(TypeError, match="unknown setting 'randomseed'; did you mean random_seed"):
        LSTMForecast(h=3, randomseed=1)


def test_bool_ids_with_static_features(df):
    x = df.assign(unique_id=df.unique_id.map(dict(zip(df.unique_id.unique(), [True, False]))))
    static = pd.DataFrame({'unique_id': [True, False], 's': [1., 2.]})
    f = LSTMForecast(h=3, stat_exog_list=['s'], **TINY).fit(x, static_df=static).predict()
    assert len(f) == 6 and set(f.unique_id) == {True, False} and np.isfinite(f.LSTM).all()


def test_check_save_path_accepts_a_new_folder(tmp_path):
    assert check_save_path(tmp_path / 'new' / 'model') == tmp_path / 'new' / 'model'


# ---------------------------------------------------------------- item 7: the scale of the data does not matter
@pytest.mark.parametrize('transform', [lambda y: y * 1e-9, lambda y: y + 1e12, lambda y: y + 1e9, lambda y: y * 1e30,
                                       lambda y: y * 1e37],
                         ids=['times 1e-9', 'plus 1e12', 'plus 1e9', 'times 1e30', 'beyond float32 (times 1e37)'])
def test_forecasts_do_not_depend_on_the_units(transform):
    t = np.arange(200)
    # noise: on an exactly periodic series the linear skip fits the training windows perfectly, and MAE's gradient
    # sign is then decided by rounding (+1e12 leaves ~1e-5 relative precision), so any two runs differ
    y = 100 + 10 * np.sin(2 * np.pi * t / 7) + np.random.default_rng(0).normal(size=200)
    frame = lambda v: pd.DataFrame({'unique_id': 'a', 'ds': pd.date_range('2000-01-01', periods=200, freq='D'), 'y': v})
    kw = dict(h=7, input_size=14, max_steps=30)
    ref = LSTMForecast(**kw).fit(frame(y)).predict().LSTM.to_numpy()
    got = LSTMForecast(**kw).fit(frame(transform(y))).predict().LSTM.to_numpy()
    back = transform(ref)  # the same forecast, in the transformed units
    spread = np.ptp(transform(y))
    assert np.abs(got - back).max() < 1e-3 * spread, (got, back)
