from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from coopsim.engines.des.simulation import simulate_replicate
from coopsim.model.plan import compile_plan
from coopsim.rng import replicate_sequence, stream
from coopsim.runs.chunks import chunk_bounds
from coopsim.runs.simulate import simulate


@given(st.integers(min_value=1, max_value=20000), st.integers(min_value=1, max_value=64))
def test_chunks_cover_every_replicate_once_in_order(n, workers):
    bounds = chunk_bounds(n, workers)
    covered = [i for start, stop in bounds for i in range(start, stop)]
    assert covered == list(range(n))


def test_results_do_not_depend_on_the_number_of_workers(baseline, region):
    plan = compile_plan(baseline, region.data)
    one = simulate(plan, 99, 24, engine="des", workers=1)[0]
    two = simulate(plan, 99, 24, engine="des", workers=2)[0]
    assert np.array_equal(one, two, equal_nan=True)
    # Replicate i is the same computation whatever run it belongs to.
    assert np.array_equal(one[17], simulate_replicate(plan, 99, 17), equal_nan=True)


def test_replicate_streams_are_the_seed_sequence_children():
    children = np.random.SeedSequence(5).spawn(4)
    assert replicate_sequence(5, 3).generate_state(4).tolist() == (
        children[3].generate_state(4).tolist()
    )
    founding = stream(5, 3, "founding").random(3)
    transitions = stream(5, 3, "transitions").random(3)
    assert not np.array_equal(founding, transitions)
    assert np.array_equal(founding, stream(5, 3, "founding").random(3))


def test_a_pool_forks_its_workers_when_no_other_thread_runs_and_says_when_they_run(
    baseline, region
):
    import sys
    import threading

    from coopsim.engines.registry import select_engine
    from coopsim.runs.executors import ChunkTask, PoolExecutor, start_method

    if sys.platform.startswith("linux") and threading.active_count() == 1:
        assert start_method() == "fork"
    from tqdm import tqdm

    with tqdm(total=1, disable=True):  # its monitor thread holds no lock a worker needs
        if sys.platform.startswith("linux") and threading.active_count() <= 2:
            assert start_method() == "fork"
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert start_method() != "fork"  # a thread could hold a lock the copies inherit
    finally:
        stop.set()
        other.join()
    plan = compile_plan(baseline, region.data)
    chunk = select_engine("des", plan).engine.chunk
    tasks = [ChunkTask(chunk, plan, 5, i, i + 2) for i in range(0, 8, 2)]
    calls = []
    with PoolExecutor(2, after_start=lambda: calls.append(1)) as pool:
        first = dict(((t.start, r.tobytes()) for t, r in pool.run(tasks)))
        again = dict(((t.start, r.tobytes()) for t, r in pool.run(tasks)))
    assert calls == [1] and first == again
    serial = simulate(plan, 5, 8, engine="des", workers=1)[0]
    assert all(np.array_equal(np.frombuffer(first[s]).reshape(2, *serial.shape[1:]),
                              serial[s:s + 2], equal_nan=True) for s in first)  # fmt: skip
