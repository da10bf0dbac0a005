"""The event log: lines written later and lines added in batches read as if added one by one."""

from __future__ import annotations

from simulation.eventlog import FIELDS, EventLog


def _text(name: str, n: int) -> str:
    return f"{name} x{n}"


def test_batches_are_made_once_when_first_read_and_keep_their_place():
    made = []

    def batch(step: int, names: list[str]):
        def make():
            made.append(step)
            return [[step, "leader_change", n, 0, k, None, (_text, (n, k))] for k, n in enumerate(names)]
        return make

    log = EventLog()
    log.add(1, "note", "A", 0, -1, "first")
    log.add_many_later(batch(1, ["B", "C"]))
    log.add_later(2, "note", "D", 1, 3, _text, "D", 7)
    log.add_many_later(batch(2, []))
    log.add_many_later(batch(3, ["E"]))
    assert made == []  # nothing made until read
    assert len(log) == 5
    assert made == [1, 2, 3]
    assert [line["where"] for line in log] == ["A", "B", "C", "D", "E"]
    assert [line["text"] for line in log] == ["first", "B x0", "C x1", "D x7", "E x0"]
    assert log[1] == dict(zip(FIELDS, [1, "leader_change", "B", 0, 0, "B x0"], strict=True))
    assert log.columns()["step"] == [1, 1, 1, 2, 3]
    assert made == [1, 2, 3]  # made once


def test_a_snapshot_keeps_the_lines_so_far_and_later_batches_stay_out_of_it():
    log = EventLog()
    log.add_many_later(lambda: [[1, "k", "A", 0, 0, "a", None], [1, "k", "B", 0, 1, "b", None]])
    snap = log.snapshot()
    log.add_many_later(lambda: [[2, "k", "C", 0, 2, "c", None]])
    log.add(3, "k", "D", 0, 3, "d")
    assert [line["where"] for line in snap] == ["A", "B"]
    assert [line["where"] for line in log] == ["A", "B", "C", "D"]
    assert log[-2:] == [dict(zip(FIELDS, [2, "k", "C", 0, 2, "c"], strict=True)),
                        dict(zip(FIELDS, [3, "k", "D", 0, 3, "d"], strict=True))]
    assert len(snap) == 2
