"""Faults: a save that fails midway keeps the previous model, damaged or tampered files are refused with a clear
error, loading never runs code from the files, a diverging run stops naming the step, and an interrupted `fit`
leaves a model that forecasts with the best weights so far."""
import json, os, pickle, shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

import lstm_forecast.forecaster as F
from lstm_forecast.data import synthetic_panel
from lstm_forecast.forecaster import LSTMForecast
from lstm_forecast.losses import MSE, MQLoss
from lstm_forecast.train import TrainingDiverged

H = 3
TINY = dict(input_size=6, max_steps=10, encoder_hidden_size=8, decoder_hidden_size=8)


@pytest.fixture(scope='module')
def df():
    return synthetic_panel(n_series=3, min_length=40, max_length=60, freq='D', seed=1)


@pytest.fixture(scope='module')
def model(df):
    return LSTMForecast(h=H, loss=MQLoss(level=[80]), **TINY).fit(df)


@pytest.fixture
def saved(model, tmp_path):
    "A model saved at tmp_path/'model', its forecast, and the folder"
    path = model.save(tmp_path / 'model')
    return path, model.predict()


def leftovers(folder: Path):
    "Temporary or backup folders a save may create next to the model"
    return sorted(p.name for p in folder.iterdir() if p.name.startswith('.'))


def same_forecast(path, expected):
    pd.testing.assert_frame_equal(LSTMForecast.load(path).predict(), expected)


# ---------------------------------------------------------------- an interrupted save keeps the previous model
def test_save_failing_while_writing_weights_keeps_the_previous_model(saved, df, monkeypatch):
    path, before = saved
    other = LSTMForecast(h=H, loss=MQLoss(level=[80]), **{**TINY, 'random_seed': 7}).fit(df)
    import safetensors.torch
    real = safetensors.torch.save_file

    def half_then_fail(tensors, filename, *a, **k):
        real(tensors, filename, *a, **k)
        Path(filename).write_bytes(Path(filename).read_bytes()[:100])  # half a file on disk, then the disk fills up
        raise OSError(28, 'No space left on device')
    monkeypatch.setattr(safetensors.torch, 'save_file', half_then_fail)
    with pytest.raises(OSError, match='No space left'):
        other.save(path)
    assert leftovers(path.parent) == []
    same_forecast(path, before)


@pytest.mark.parametrize('failing_call', [1, 2], ids=['moving the old model aside', 'moving the new model in'])
def test_save_failing_at_either_rename_keeps_the_previous_model(saved, df, monkeypatch, failing_call):
    path, before = saved
    other = LSTMForecast(h=H, loss=MQLoss(level=[80]), **{**TINY, 'random_seed': 7}).fit(df)
    real, calls = os.replace, []

    def flaky(src, dst):
        calls.append((src, dst))
        if len(calls) == failing_call: raise OSError('rename failed')
        return real(src, dst)
    monkeypatch.setattr(F, '_exchange', lambda a, b: False)  # a system without an atomic exchange: two renames
    monkeypatch.setattr(F.os, 'replace', flaky)
    with pytest.raises(OSError, match='rename failed'):
        other.save(path)
    monkeypatch.undo()
    assert leftovers(path.parent) == []
    same_forecast(path, before)


def test_save_failing_at_the_exchange_keeps_the_previous_model(saved, df, monkeypatch):
    path, before = saved
    other = LSTMForecast(h=H, loss=MQLoss(level=[80]), **{**TINY, 'random_seed': 7}).fit(df)
    def broken(a, b): raise OSError(5, 'I/O error')
    monkeypatch.setattr(F, '_exchange', broken)
    with pytest.raises(OSError, match='I/O error'):
        other.save(path)
    monkeypatch.undo()
    assert leftovers(path.parent) == []
    same_forecast(path, before)


def test_keyboard_interrupt_during_save_cleans_up(saved, monkeypatch):
    path, before = saved
    import safetensors.torch
    def interrupted(*a, **k): raise KeyboardInterrupt
    monkeypatch.setattr(safetensors.torch, 'save_file', interrupted)
    with pytest.raises(KeyboardInterrupt):
        LSTMForecast.load(path).save(path)
    assert leftovers(path.parent) == []
    same_forecast(path, before)


def test_save_to_a_new_folder_that_fails_leaves_nothing(model, tmp_path, monkeypatch):
    import safetensors.torch
    def broken(*a, **k): raise OSError('disk error')
    monkeypatch.setattr(safetensors.torch, 'save_file', broken)
    with pytest.raises(OSError):
        model.save(tmp_path / 'new')
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------- damaged and tampered files
def _edit_config(path, fn):
    cfg = json.loads((path / 'config.json').read_text())
    fn(cfg)
    (path / 'config.json').write_text(json.dumps(cfg))


def _set(keys, value):
    def fn(cfg):
        d = cfg
        for k in keys[:-1]: d = d[k]
        d[keys[-1]] = value
    return fn


DAMAGE = {  # name -> (damage(path), message fragments)
    'weights truncated': (lambda p: (p / 'weights.safetensors').write_bytes((p / 'weights.safetensors').read_bytes()[:-500]),
                          ['does not match the checksum in config.json', 'truncated or was altered', 'save the model again']),
    'weights one byte flipped': (lambda p: (p / 'weights.safetensors').write_bytes(_flip((p / 'weights.safetensors').read_bytes())),
                                 ['does not match the checksum']),
    'weights empty': (lambda p: (p / 'weights.safetensors').write_bytes(b''), ['does not match the checksum']),
    'weights missing': (lambda p: (p / 'weights.safetensors').unlink(), ['is not a saved LSTMForecast', 'weights.safetensors']),
    'config missing': (lambda p: (p / 'config.json').unlink(), ['is not a saved LSTMForecast', 'config.json']),
    'config truncated': (lambda p: (p / 'config.json').write_text((p / 'config.json').read_text()[:200]), ['is not valid JSON', 'damaged']),
    'config not JSON': (lambda p: (p / 'config.json').write_bytes(b'\x80\x04\x95 not json'), ['is not valid JSON']),
    'config a list': (lambda p: (p / 'config.json').write_text('[1, 2]'), ['does not describe an LSTMForecast']),
    'config of another class': (lambda p: _edit_config(p, _set(['class'], 'Prophet')), ['does not describe an LSTMForecast']),
    'newer format': (lambda p: _edit_config(p, _set(['format_version'], 99)), ['format version 99, newer than', 'upgrade lstm_forecast']),
    'no format version': (lambda p: _edit_config(p, lambda c: c.pop('format_version')), ['has no valid format_version']),
    'checksum removed': (lambda p: _edit_config(p, lambda c: c.pop('weights_sha256')), ['does not match the checksum']),
    'h changed': (lambda p: _edit_config(p, _set(['init', 'h'], 5)), ['holds an inconsistent model', 'save it again']),
    'h invalid': (lambda p: _edit_config(p, _set(['init', 'h'], -1)), ['holds an inconsistent model', 'was edited after saving', 'init.h']),
    'hidden size changed': (lambda p: _edit_config(p, _set(['init', 'encoder_hidden_size'], 16)), ['holds an inconsistent model']),
    'unknown argument': (lambda p: _edit_config(p, _set(['init', 'evil'], 1)), ['holds an inconsistent model']),
    'init missing': (lambda p: _edit_config(p, lambda c: c.pop('init')), ['holds an inconsistent model']),
    'unknown loss': (lambda p: _edit_config(p, _set(['loss', 'name'], 'Pinball')), ['was edited after saving', 'loss.name']),
    'tail shorter than its values': (lambda p: _edit_config(p, lambda c: c['tail']['unique_id'].update(values=c['tail']['unique_id']['values'][:-1])),
                                     ['holds an inconsistent model']),
    'tail dates garbled': (lambda p: _edit_config(p, lambda c: c['tail'].update(ds=['yesterday'] * len(c['tail']['ds']))),
                           ['holds an inconsistent model']),
    'freq garbled': (lambda p: _edit_config(p, _set(['freq'], 'fortnightly-ish')), ['holds an inconsistent model', 'was edited after saving', 'freq']),
    'input size garbled': (lambda p: _edit_config(p, _set(['input_size_'], 'six')), ['holds an inconsistent model']),
    'loss not an object': (lambda p: _edit_config(p, _set(['loss'], 'MAE')), ['holds an inconsistent model']),
    'more tail columns than values': (lambda p: _edit_config(p, lambda c: c['tail'].update(columns=c['tail']['columns'] + ['z'])),
                                      ['holds an inconsistent model']),
    'static garbled': (lambda p: _edit_config(p, _set(['static'], {'unique_id': [1], 'a': [1, 2]})), ['holds an inconsistent model']),
}


def _flip(b: bytes) -> bytes:
    i = len(b) // 2
    return b[:i] + bytes([b[i] ^ 0xFF]) + b[i + 1:]


@pytest.mark.filterwarnings('ignore:Could not infer format')  # the garbled dates
@pytest.mark.parametrize('damage', list(DAMAGE))
def test_damaged_or_tampered_files_are_refused_clearly(saved, damage):
    path, _ = saved
    fn, fragments = DAMAGE[damage]
    fn(path)
    with pytest.raises(ValueError) as e:
        LSTMForecast.load(path)
    for frag in fragments: assert frag in str(e.value), (frag, str(e.value))


# ---------------------------------------------------------------- loading never runs code from the files
class _Payload:
    "Unpickling this creates the marker file: proof that code from the file ran"
    def __init__(self, marker): self.marker = str(marker)
    def __reduce__(self): return (Path.touch, (Path(self.marker),))


def _with_checksum(path):
    "Make the config's checksum match the (replaced) weights file, as an attacker would"
    import hashlib
    digest = hashlib.sha256((path / 'weights.safetensors').read_bytes()).hexdigest()
    _edit_config(path, _set(['weights_sha256'], digest))


@pytest.mark.parametrize('writer', ['pickle', 'torch.save'])
def test_a_pickle_posing_as_weights_is_never_unpickled(saved, tmp_path, writer):
    path, _ = saved
    marker = tmp_path / 'pwned'
    payload = {'model.weight': _Payload(marker)}
    if writer == 'pickle': (path / 'weights.safetensors').write_bytes(pickle.dumps(payload))
    else: torch.save(payload, path / 'weights.safetensors')
    _with_checksum(path)
    with pytest.raises(ValueError, match='could not be read as safetensors'):
        LSTMForecast.load(path)
    assert not marker.exists()


def test_code_in_the_config_is_never_run(saved, tmp_path):
    path, _ = saved
    marker = tmp_path / 'pwned'
    evil = f"__import__('pathlib').Path('{marker}').touch()"
    for keys in (['loss', 'name'], ['train_config', 'optimizer'], ['freq'], ['init', 'alias'], ['init', 'scaler_type']):
        shutil.copytree(path, tmp_path / 'copy')
        _edit_config(tmp_path / 'copy', _set(keys, evil))
        try: m = LSTMForecast.load(tmp_path / 'copy')
        except ValueError: m = None
        assert m is None, keys  # an edited config.json is refused (the weights file keeps the config as saved)
        assert not marker.exists(), keys
        shutil.rmtree(tmp_path / 'copy')


def test_loading_does_not_unpickle_anything(saved, monkeypatch):
    path, before = saved
    def forbidden(*a, **k): raise AssertionError('load must not unpickle')
    for mod, name in [(pickle, 'load'), (pickle, 'loads'), (pickle, 'Unpickler'), (torch, 'load')]:
        monkeypatch.setattr(mod, name, forbidden)
    pd.testing.assert_frame_equal(LSTMForecast.load(path).predict(), before)


# ---------------------------------------------------------------- a diverging run stops with a clear error
@pytest.mark.parametrize('setup', ['huge learning rate', 'huge values, no scaling'])
def test_diverging_training_stops_naming_the_step(df, setup):
    if setup == 'huge learning rate':
        m, data = LSTMForecast(h=H, learning_rate=1e30, **TINY), df
    else:
        m, data = LSTMForecast(h=H, scaler_type='identity', loss=MSE(), **TINY), df.assign(y=df.y * 1e20)
    with pytest.raises(TrainingDiverged) as e:
        m.fit(data)
    msg = str(e.value)
    assert isinstance(e.value, ValueError)
    assert 'training diverged at step ' in msg and ('learning_rate' in msg and 'scaler_type' in msg), msg
    with pytest.raises(ValueError, match='not fitted yet'):  # no half-trained model to forecast with
        m.predict()


# ---------------------------------------------------------------- an interrupted fit keeps the best weights so far
def interrupt_after(monkeypatch, n_calls):
    "Make the n-th call of the window batcher (a training or validation batch) raise KeyboardInterrupt"
    real, count = F.WindowBatches.batch, [0]

    def batch(self, idx):
        count[0] += 1
        if count[0] == n_calls: raise KeyboardInterrupt
        return real(self, idx)
    monkeypatch.setattr(F.WindowBatches, 'batch', batch)


@pytest.mark.parametrize('val_size', [0, H])
def test_keyboard_interrupt_during_fit_leaves_the_best_model_so_far(df, monkeypatch, val_size):
    kw = dict(h=H, loss=MQLoss(level=[80]), val_check_steps=5, scaler_type='robust', **{**TINY, 'max_steps': 100})
    # without validation the batcher is called once per step; with it, once more at steps 5 and 10 (one validation batch)
    interrupt_after(monkeypatch, 11 if not val_size else 13)  # during step 11: 10 steps done
    m = LSTMForecast(**kw)
    with pytest.raises(KeyboardInterrupt):
        m.fit(df, val_size=val_size)
    monkeypatch.undo()
    got = m.predict()
    assert m.fitted_ and m.history_ is None and np.isfinite(got.select_dtypes('number').to_numpy()).all()
    ref = LSTMForecast(**{**kw, 'max_steps': 10}).fit(df, val_size=val_size)  # the same run, stopped at step 10
    pd.testing.assert_frame_equal(got, ref.predict())
    if val_size:  # the best of the validation checks at steps 5 and 10, not simply the last weights
        assert ref.history_['best_step'] in (5, 10)


def test_an_interrupted_ensemble_keeps_the_members_trained_so_far(df, monkeypatch, tmp_path):
    "The default trains one network per scaler (robust, minmax, standard); an interrupt in the second keeps two"
    interrupt_after(monkeypatch, TINY['max_steps'] + 6)  # during the minmax member's step 6: 5 of its steps done
    m = LSTMForecast(h=H, **TINY)
    with pytest.raises(KeyboardInterrupt):
        m.fit(df)
    monkeypatch.undo()
    assert m.members_ == ('robust', 'minmax') and len(m.model_) == 2
    robust = LSTMForecast(h=H, scaler_type='robust', **TINY).fit(df).predict()['LSTM']
    minmax = LSTMForecast(h=H, scaler_type='minmax', **{**TINY, 'max_steps': 5}).fit(df).predict()['LSTM']
    np.testing.assert_allclose(m.predict()['LSTM'], (robust + minmax) / 2, rtol=1e-12)  # the median of two
    m.save(tmp_path / 'm')
    back = LSTMForecast.load(tmp_path / 'm')
    assert back.members_ == ('robust', 'minmax')
    pd.testing.assert_frame_equal(back.predict(), m.predict())


def test_interrupted_model_can_be_saved_and_loaded(df, monkeypatch, tmp_path):
    interrupt_after(monkeypatch, 4)
    m = LSTMForecast(h=H, **{**TINY, 'max_steps': 100})
    with pytest.raises(KeyboardInterrupt):
        m.fit(df)
    monkeypatch.undo()
    m.save(tmp_path / 'm')
    pd.testing.assert_frame_equal(LSTMForecast.load(tmp_path / 'm').predict(), m.predict())



def test_weights_that_overflow_never_give_non_finite_forecasts(df):
    m = LSTMForecast(h=H, **TINY).fit(df)
    with torch.no_grad():
        for p in m.model_.parameters(): p.fill_(1e30)  # as after a run gone astray without a non-finite loss
    for call in (m.predict, lambda: m.predict(df=df)):
        with pytest.raises(ValueError, match='are not finite: the values overflow float32 or the weights diverged'):
            call()
