"""FileStates reads and changes like the dict of FileState tuples it replaces."""
from __future__ import annotations

import threading

from hypothesis import given, settings
from hypothesis import strategies as st

from app.queue.file_states import FileStates

_INT = st.one_of(st.integers(0, 2 ** 40), st.integers(-(2 ** 70), 2 ** 70))  # some do not fit 64 bits
_SHA = st.one_of(st.just(b""), st.binary(min_size=32, max_size=32), st.binary(max_size=40))
_STATE = st.tuples(_INT, _INT, st.one_of(st.integers(0, 2 ** 64 - 1), st.integers(-5, -1), st.integers(2 ** 64, 2 ** 65)),
                   _INT, _SHA, _INT)
_PATH = st.sampled_from([f"d{n % 3}/a{n}.md" for n in range(12)])
_OPS = st.lists(st.one_of(st.tuples(st.just("set"), _PATH, _STATE), st.tuples(st.just("pop"), _PATH),
                          st.tuples(st.just("del"), _PATH)), max_size=80)


@given(_OPS)
@settings(max_examples=300, deadline=None)
def test_file_states_agree_with_a_dict(ops: list[tuple]) -> None:
    states, plain = FileStates(), {}
    for op in ops:
        if op[0] == "set":
            states[op[1]] = op[2]
            plain[op[1]] = op[2]
        elif op[0] == "pop":
            assert states.pop(op[1], None) == plain.pop(op[1], None)
        elif op[1] in plain:
            del states[op[1]], plain[op[1]]
        for path in {op[1]}:
            assert states.get(path) == plain.get(path)
            assert (path in states) == (path in plain)
    assert len(states) == len(plain)
    assert sorted(states) == sorted(plain)
    assert dict(states.items()) == plain
    for path, state in plain.items():
        got = states[path]
        assert got == state and all(type(a) is type(b) for a, b in zip(got, state))


def test_a_state_read_while_another_thread_writes_is_one_that_was_written() -> None:
    # The watcher reads states while the queue's worker writes them: a read is
    # never half of one write and half of another.
    states = FileStates()
    written = [(n, n, n, n, bytes([n % 256]) * 32, n) for n in range(1, 2000)]
    states["a.md"] = written[0]
    done = threading.Event()

    def writer() -> None:
        for state in written:
            states["a.md"] = state
        done.set()

    thread = threading.Thread(target=writer)
    thread.start()
    seen = []
    while not done.is_set():
        seen.append(states["a.md"])
    thread.join()
    assert all(state in written for state in seen)
