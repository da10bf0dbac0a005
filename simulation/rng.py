"""Random numbers of one run: a stream per decision point, positioned by month.

Every random number of a run comes from its one seed. Building the world and the starting
state draw, once, from the set-up streams (``streams["world"]``, ``streams["init"]``).
After that each *decision point* of the model (whether a tie has a contact this month,
whether a leader leaves, who succeeds, which bodies a regulator audits, ...) draws from a
stream of its own, and that stream is **positioned by month**: ``streams.at(decision,
month)`` gives a generator whose numbers depend only on the seed, the decision's name and
the month. Nothing a run does in one month or at one decision moves the numbers of another
month or another decision; a decision's stream is in effect advanced every month whether
or not it was used (as starsim does with its per-decision streams).

The mechanisms draw *one number per organisation, tie or system* at every use (a full array,
whoever is concerned this month), and pick out the entries of those concerned by their
index. So the number that decides organisation *i* does not depend on what happened to
organisation *j*: an injected resignation, a lever moved or a participant's choice changes
which draws are *used*, never what they are. (What couples organisations is the model
itself: a regulator's capacity in a region, national events.) ``tests/verification/
test_streams.py`` checks it on stable organisation and tie ids.

Within one month and decision every call to :meth:`Streams.at` starts from the same place,
so a mechanism draws all it needs for a decision in one call, in a fixed order of fixed
shapes, or once a month (``State.month_draws``: the successor draws, which every
replacement of the month shares). A decision with variable slots, such as the reversal of
a system's delivered service changes, draws an array ``(slots, systems)``: row ``k`` is
the same numbers however many rows are drawn.

How a stream is positioned: each decision has a PCG64 generator seeded from ``(seed,
crc32(name))``; month ``m`` starts ``m * 2**40`` draws along it (``PCG64.advance``), so a
month may use up to 2**40 numbers of a decision before reaching the next month's.
"""

from __future__ import annotations

import zlib

import numpy as np

#: Draws a month of one decision may use before reaching the next month's (``advance``).
MONTH_SPAN = 1 << 40

#: The decision points of the monthly step, each with its own stream (the mechanism that
#: draws and what one draw decides). Asking for a name not here is an error, so that two
#: mechanisms cannot share a stream by a typing slip.
DECISIONS: dict[str, str] = {
    "deficit_shock": "shocks: a deficit shock starts at an NHS body (per organisation)",
    "departure": "leadership: the leader leaves this month (per organisation)",
    "succession": "leadership: who succeeds a leader who leaves for any reason (per "
                  "organisation, drawn once a month: State.month_draws)",
    "election": "leadership: a council changes political control in May (per organisation)",
    "performance": "regulation: noise on performance against targets (per organisation)",
    "review": "regulation: due a review, the audit lottery, takeover and undertaking "
              "(per organisation)",
    "removal": "regulation: a leader removed on an intervention (per organisation)",
    "finance": "pooling: noise on monthly financial results (per organisation)",
    "contact": "trust: a working contact on a tie this month (per undirected tie)",
    "experience": "trust: how the contact went (per directed tie)",
    "commitment": "contagion: an organisation commits (per organisation)",
    "withdrawal": "durability: a committed organisation withdraws (per organisation)",
    "shared_ce": "consolidation: two acute trusts come to share a chief executive (per "
                 "candidate tie)",
    "trust_merger": "consolidation: a pair sharing a chief executive merges, and whether "
                    "competition review blocks it (per organisation)",
    "ccg_merger": "consolidation: a system's CCGs move a stage closer (per system)",
    "service_change": "service change: proposed, whose services, months to decision, and the "
                      "decision's draws (per system)",
    "reversal": "service change: a delivered change is reversed (per system and slot)",
}


def stream(seed: int, name: str) -> np.random.Generator:
    """Independent generator for set-up stream ``name`` of the run seeded with ``seed``."""
    return np.random.Generator(_bits(seed, name))


def _bits(seed: int, name: str) -> np.random.PCG64:
    key = zlib.crc32(name.encode())
    return np.random.PCG64(np.random.SeedSequence([int(seed) & 0xFFFFFFFFFFFF, key]))


class Streams:
    """The random streams of one run: set-up streams by name, and decision streams by
    decision and month (:meth:`at`)."""

    def __init__(self, seed: int) -> None:
        self.seed = int(seed)
        self._cache: dict[str, np.random.Generator] = {}
        self._decisions: dict[str, tuple[np.random.Generator, dict]] = {}

    def __getitem__(self, name: str) -> np.random.Generator:
        """A set-up stream (``world``, ``init``): one sequence for the run."""
        gen = self._cache.get(name)
        if gen is None:
            gen = self._cache[name] = stream(self.seed, name)
        return gen

    def at(self, decision: str, month: int) -> np.random.Generator:
        """The generator of ``decision`` positioned at the start of ``month``: the same
        numbers, in the same order, at every call for that decision and month."""
        found = self._decisions.get(decision)
        if found is None:
            if decision not in DECISIONS:
                raise KeyError(f"unknown decision stream '{decision}' (known: "
                               f"{', '.join(DECISIONS)})")
            bits = _bits(self.seed, "decision:" + decision)
            found = self._decisions[decision] = (np.random.Generator(bits), bits.state)
        gen, start = found
        bits = gen.bit_generator
        bits.state = start
        bits.advance(int(month) * MONTH_SPAN)
        return gen
