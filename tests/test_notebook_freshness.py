"""The freshness check of `tests/test_notebooks.py`: what it ignores and what it catches. (The check itself runs
on every notebook inside `test_notebooks.py`, which executes each notebook once.)"""
import copy, json
from pathlib import Path

from nb_freshness import compare_lines, normalise, stale_cells

NBS = Path(__file__).resolve().parents[1] / 'nbs'


def out(text, kind='stream'):
    if kind == 'stream': return {'output_type': 'stream', 'name': 'stdout', 'text': text}
    return {'output_type': kind, 'data': {'text/plain': text}, 'metadata': {}}


def test_ignores_timings_addresses_figures_stderr_and_bars():
    a = [out('fit: 1.6 s on 1 thread\n'), out('<Figure size 800x300 with 1 Axes>', 'display_data'),
         out('<pandas.io.formats.style.Styler at 0x7f3a2b>', 'execute_result'),
         {'output_type': 'stream', 'name': 'stderr', 'text': 'UserWarning: /home/me/x.py'}]
    b = [out('fit: 12.25 s on 1 thread\n'), out('<pandas.io.formats.style.Styler at 0x55aa01>', 'execute_result'),
         out('100% ██████████ 500/500\n')]
    assert normalise(a) == normalise(b) == ['fit: <time> on 1 thread', '<pandas.io.formats.style.Styler>']


def test_numbers_within_tolerance_pass_others_fail():
    assert compare_lines(['MAE 22.51'], ['MAE 22.53']) is None            # last-digit noise
    assert 'number' in compare_lines(['MAE 22.5'], ['MAE 25.0'])          # a real change
    assert 'text differs' in compare_lines(['LSTMForecast(h=1, fitted)'], ['LSTMForecast(h=1, input_size=24)'])
    assert 'lines' in compare_lines(['a'], ['a', 'b'])
    assert compare_lines(['took 3 steps'], ['took 9 steps'], numbers=False) is None


def test_stale_cell_is_reported_by_id():
    nb = {'cells': [{'cell_type': 'code', 'id': 'c1', 'source': 'print(f(2))', 'outputs': [out('4\n')]},
                    {'cell_type': 'code', 'id': 'c2', 'source': 'print(repr(m))', 'outputs': [out('M(a=1)\n')]}]}
    fresh = copy.deepcopy(nb)
    assert stale_cells(nb, fresh) == []
    fresh['cells'][1]['outputs'] = [out('M(a=1, b=2)\n')]
    [msg] = stale_cells(nb, fresh)
    assert msg.startswith('cell c2') and 'M(a=1, b=2)' in msg


def test_every_notebook_has_a_python3_kernelspec():
    for p in sorted(NBS.rglob('*.ipynb')):
        if any(part.startswith(('.', '_')) for part in p.relative_to(NBS).parts): continue
        ks = json.loads(p.read_text()).get('metadata', {}).get('kernelspec', {})
        assert ks.get('name') == 'python3', f'{p.relative_to(NBS)} has no python3 kernelspec: {ks}'


def test_temporary_folders_are_normalised_other_paths_are_not():
    a, b = out('wrote /tmp/tmpk3j2x9ab/forecast.csv\n'), out('wrote /tmp/tmpq8w7e6rt/forecast.csv\n')
    assert normalise([a]) == normalise([b]) == ['wrote <tmpdir>/forecast.csv']
    assert 'text differs' in compare_lines(normalise([out('wrote data/a.csv\n')]), normalise([out('wrote data/b.csv\n')]))


def test_datetime_resolutions_are_normalised():
    a, b = out("dtype: datetime64[ns]\n"), out("dtype: datetime64[us]\n")
    assert normalise([a]) == normalise([b]) == ['dtype: datetime64[<unit>]']
    assert normalise([out('│ str ┆ datetime[μs] ┆ f64 │\n')]) == normalise([out('│ str ┆ datetime[ns] ┆ f64 │\n')])
    assert 'text differs' in compare_lines(normalise([out('dtype: int64\n')]), normalise([out('dtype: float64\n')]))
