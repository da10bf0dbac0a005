"""The pyabc sampler of ``drumbeat calibrate``: particles evaluated through a project executor.

:class:`ExecutorSampler` (built by :func:`make_sampler_class`, so that pyabc is imported
only when a calibration runs) ships a generation's ``simulate_one`` (cloudpickled) to the
workers of :func:`experiments.sweeps.executors.make_executor` in seeded batches and assembles
the accepted particles in batch order, so the result does not depend on which worker
finishes first. Batch ``b`` of generation ``t`` always draws from the seed
``SeedSequence([seed, t + 1])``'s ``b``-th child, so a generation re-run after an interrupted
calibration (``drumbeat calibrate --resume``) repeats the generation an uninterrupted one
would have run. Progress (accepted particles of the generation, runs evaluated) is shown
with :class:`experiments.sweeps.progress.Progress`: a bar on a terminal or in a notebook,
a log line every ``log_every`` seconds elsewhere (CI, ``nohup``).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator

import numpy as np

#: Where each particle's run seed comes from; reset from the batch seed in every task.
RUN_SEEDS: list[np.random.Generator] = [np.random.default_rng(0)]


def seed_global_numpy(seed: int) -> None:
    """Seed NumPy's global generator, which pyabc draws parameters from."""
    np.random.set_state(np.random.RandomState(seed).get_state())  # noqa: NPY002 (pyabc uses it)


def next_run_seed() -> int:
    """The seed of the next particle's run (from the current batch's seed)."""
    return int(RUN_SEEDS[0].integers(2**31 - 1))


def simulate_batch(item: tuple[int, bytes, int, int]) -> tuple[int, list]:
    """Executor task: run ``k`` particles of a generation from a seed. Top level, so it pickles."""
    import cloudpickle

    batch, payload, seed, k = item
    seed_global_numpy(seed)
    RUN_SEEDS[0] = np.random.default_rng([seed, 1])
    simulate_one = cloudpickle.loads(payload)
    return batch, [simulate_one() for _ in range(k)]


def make_sampler_class():
    """The :class:`ExecutorSampler` class (a subclass of ``pyabc.sampler.Sampler``)."""
    import pyabc

    from experiments.sweeps.progress import Progress

    class ExecutorSampler(pyabc.sampler.Sampler):
        """A pyabc sampler that evaluates particles through a project executor.

        Batches of ``batch`` particles are submitted lazily (the executor keeps a few in
        flight) until the batches completed in submission order hold ``n`` accepted
        particles; later batches are dropped, so which worker finishes first does not bias
        the population. ``max_eval`` is not enforced within a generation.
        """

        def __init__(self, executor, batch: int = 4, seed: int = 0, show: bool | None = None,
                     log_every: float = 60.0, log: Callable[[str], None] | None = print) -> None:
            super().__init__()
            self.executor = executor
            self.batch = batch
            self.seed = seed
            self.show, self.log_every, self.log = show, log_every, log

        def sample_until_n_accepted(self, n, simulate_one, t, *, max_eval=np.inf,
                                    all_accepted=False, ana_vars=None):
            import cloudpickle

            payload = cloudpickle.dumps(simulate_one)
            seeds = np.random.SeedSequence([self.seed, int(t) + 1])

            def items() -> Iterator[tuple[int, bytes, int, int]]:
                for b in itertools.count():
                    yield b, payload, int(seeds.spawn(1)[0].generate_state(1)[0]), self.batch

            bar = Progress(n, show=self.show if self.log else False,
                           log_every=self.log_every if self.log else 0.0,
                           log=self.log or print, desc=f"ABC generation {int(t) + 1}: accepted",
                           unit="particle")
            done: dict[int, list] = {}
            accepted_prefix, nxt, ran = 0, 0, 0
            try:
                for b, particles in self.executor.map_unordered(simulate_batch, items()):
                    done[b] = particles
                    ran += len(particles)
                    while nxt in done:
                        gained = min(sum(p.accepted for p in done[nxt]), n - accepted_prefix)
                        accepted_prefix += gained
                        bar.update(gained)
                        nxt += 1
                    if accepted_prefix >= n:
                        break
            finally:
                bar.close()
            sample = self._create_empty_sample()
            evaluated = 0
            for b in range(nxt):
                for p in done[b]:
                    if sample.n_accepted >= n:
                        break
                    sample.append(p)
                    evaluated += 1
            self.nr_evaluations_ = evaluated
            if self.log:
                self.log(f"ABC generation {int(t) + 1}: {n} accepted of {evaluated} runs "
                         f"({ran} run in all)")
            return sample

    return ExecutorSampler
