"""A sweep's own code for tests/experiments/test_custom.py: module-level, so worker processes
import it by path."""

from __future__ import annotations

import numpy as np

from simulation.model import DrumbeatModel


def trust_gap(model) -> float:
    """The spread of trust between systems at the end: max minus min of the last month."""
    systems = model.result().systems
    last = systems[systems["step"] == systems["step"].max()]
    return float(last["mean_trust"].max() - last["mean_trust"].min())


def model_class(model) -> str:
    return type(model).__name__


def committed_count(model) -> np.int64:
    return np.int64(model.state.committed.sum())


def a_list(model) -> list:
    return [1, 2]


def broken(model) -> float:
    raise KeyError("no such table")


class EveryoneCommits:
    """A policy: every organisation asked to commit does; every other choice as the rules."""

    def decide(self, choice):
        return np.ones(len(choice.orgs), dtype=bool) if choice.kind == "commit" else choice.default


class NoDecide:
    pass


class Marked(DrumbeatModel):
    """A model subclass that marks itself (its runs are DrumbeatModel's)."""

    mark = "marked"


NOT_CALLABLE = 3
