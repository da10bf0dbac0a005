"""Executors: one interface to run many independent tasks, serially, on local cores or a cluster.

``make_executor(workers, scheduler)`` returns:

- a :class:`SerialExecutor` when ``workers == 1`` (everything in this process, in order);
- a :class:`ProcessExecutor` (``concurrent.futures.ProcessPoolExecutor``, forkserver start)
  on ``workers`` local processes, all cores when ``workers`` is None;
- a :class:`DaskExecutor` when ``scheduler`` is given: the address of a running Dask
  scheduler (``tcp://HOST:PORT``), an in-process ``distributed.LocalCluster`` or ``Client``,
  or the keyword ``"local"`` (a LocalCluster of ``workers`` single-threaded processes, made
  here and closed with the executor).

Every executor has :meth:`Executor.map_unordered`, which yields ``fn(item)`` for each item
as it finishes, keeping at most ``in_flight`` tasks submitted at a time, so the caller can
stream results to disk and never holds a whole sweep in memory. ``fn`` must be a picklable
top-level function; items carry their own ids and seeds (the order of completion is not the
order of the items). A task that raises stops the map: pending tasks are cancelled and the
exception is re-raised in the caller.

Local worker processes never outlive the process that started them (docs/reliability.md,
"Processes and size"). Each worker ignores SIGINT, so Ctrl-C at a terminal (sent to the whole
process group) reaches only the main process, which stops the workers and prints one line.
Each worker also watches the main process itself, by its pid (a forkserver worker is the
forkserver's child, so its parent is no guide), and exits as soon as the main process is gone,
``kill -9`` included; the forkserver then exits too, as the last holder of its "alive" pipe
is gone.
"""

from __future__ import annotations

import multiprocessing
import os
import select
import signal
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from numbers import Integral
from typing import Any

from simulation.errors import ConfigError

from .extras import require

#: Modules the forkserver imports once, so that each worker starts with them loaded.
PRELOAD = ("experiments.sweeps.runner",)

#: Tasks kept in flight per worker: enough to hide scheduling latency, few enough to bound memory.
IN_FLIGHT_PER_WORKER = 2

#: Seconds between two looks at the main process where a pidfd cannot be had (not Linux).
WATCH_EVERY = 0.5

#: Exit status of a worker that stopped because the main process was gone.
ORPHANED = 3


class Executor:
    """Base class: a context manager with ``workers`` and ``map_unordered``."""

    workers: int = 1
    kind: str = "executor"

    def map_unordered(self, fn: Callable[[Any], Any], items: Iterable[Any]) -> Iterator[Any]:
        """Yield ``fn(item)`` for every item, in order of completion."""
        raise NotImplementedError

    def close(self) -> None:
        """Release workers (idempotent)."""

    def describe(self) -> str:
        """One line for logs and metadata, e.g. ``processes x2``."""
        return f"{self.kind} x{self.workers}"

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class SerialExecutor(Executor):
    """Runs every task in this process, one after the other, in item order."""

    kind = "serial"

    def __init__(self) -> None:
        self.workers = 1

    def map_unordered(self, fn: Callable[[Any], Any], items: Iterable[Any]) -> Iterator[Any]:
        for item in items:
            yield fn(item)


def _bounded(submit: Callable[[Any], Future], items: Iterable[Any], limit: Callable[[], int],
             cancel: Callable[[set[Future]], None]) -> Iterator[Any]:
    """Submit lazily, at most ``limit()`` at once; yield results as futures complete."""
    it = iter(items)
    pending: set[Future] = set()
    exhausted = False
    try:
        while True:
            while not exhausted and len(pending) < limit():
                try:
                    pending.add(submit(next(it)))
                except StopIteration:
                    exhausted = True
            if not pending:
                return
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for fut in done:
                yield fut.result()
    finally:
        if pending:
            cancel(pending)


class ProcessExecutor(Executor):
    """A pool of local worker processes (forkserver start: safe with threads in the parent)."""

    kind = "processes"

    def __init__(self, workers: int | None = None, in_flight: int | None = None) -> None:
        self.workers = int(workers or os.cpu_count() or 1)
        self.in_flight = in_flight or IN_FLIGHT_PER_WORKER * self.workers
        method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
        ctx = multiprocessing.get_context(method)
        if method == "forkserver":  # workers fork from a server that has imported the model once
            ctx.set_forkserver_preload(list(PRELOAD))
        self._pool: ProcessPoolExecutor | None = ProcessPoolExecutor(
            self.workers, mp_context=ctx, initializer=worker_setup, initargs=(os.getpid(),))

    def map_unordered(self, fn: Callable[[Any], Any], items: Iterable[Any]) -> Iterator[Any]:
        pool = self._pool
        if pool is None:
            raise RuntimeError("executor is closed")

        def cancel(pending: set[Future]) -> None:
            for f in pending:
                f.cancel()

        return _explained(_bounded(lambda item: pool.submit(fn, item), items, lambda: self.in_flight, cancel))

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def __exit__(self, exc_type: type[BaseException] | None, *exc: object) -> None:
        if exc_type is not None and not issubclass(exc_type, Exception):
            self.stop_workers()  # Ctrl-C (or SystemExit): do not wait for the runs under way
        self.close()

    def stop_workers(self) -> None:
        """Terminate the workers now (their tasks are lost; nothing they ran was stored by them)."""
        pool = self._pool
        if pool is None:
            return
        for future_process in list((getattr(pool, "_processes", None) or {}).values()):
            try:
                future_process.terminate()
            except (OSError, ValueError):  # already gone, or already closed
                pass


def worker_setup(main_pid: int) -> None:
    """Initializer of every local worker: ignore SIGINT (the main process handles Ctrl-C for
    all) and exit when the main process ``main_pid`` is gone, however it ended."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if os.name != "posix" or main_pid == os.getpid():  # os.kill(pid, 0) would kill on Windows
        return
    threading.Thread(target=_exit_with, args=(main_pid,), name="drumbeat-watch-main",
                     daemon=True).start()


def _exit_with(main_pid: int) -> None:
    """Block until process ``main_pid`` has ended, then end this process at once.

    A pidfd (Linux 5.3+) becomes readable when the process ends, even before it is reaped,
    and cannot be fooled by a reused pid; elsewhere the pid is looked at every
    :data:`WATCH_EVERY` seconds.
    """
    try:
        fd = os.pidfd_open(main_pid)
    except ProcessLookupError:  # already gone before this worker got going
        os._exit(ORPHANED)
    except (AttributeError, OSError):  # no pidfd here: poll
        fd = None
    if fd is not None:
        while True:
            ready, _, _ = select.select([fd], [], [])
            if ready:
                os._exit(ORPHANED)
    while True:
        time.sleep(WATCH_EVERY)
        try:
            os.kill(main_pid, 0)
        except ProcessLookupError:
            os._exit(ORPHANED)
        except PermissionError:  # there, but another user's: a reused pid would be; go
            os._exit(ORPHANED)


def starting_worker() -> bool:
    """Whether this process is a worker still starting up, re-running its parent's script.

    Worker processes (forkserver or spawn) import the parent's ``__main__`` before anything
    else; a script without ``if __name__ == "__main__":`` then starts its sweep again inside
    every worker. :func:`~experiments.sweeps.sweep.run_sweep` checks this first and leaves,
    so the parent reports the one real problem instead of a lock held by itself.
    """
    return bool(getattr(multiprocessing.current_process(), "_inheriting", False))


def _explained(results: Iterator[Any]) -> Iterator[Any]:
    """Re-raise a broken pool as a one-line error that says the likely cause."""
    try:
        yield from results
    except BrokenProcessPool:
        raise ConfigError(
            "worker processes stopped while running (BrokenProcessPool). From a script, start the sweep "
            "under `if __name__ == \"__main__\":` (workers re-import the script), or run it serially "
            "with workers=1; otherwise a worker may have run out of memory") from None


class DaskExecutor(Executor):
    """Tasks on a Dask distributed cluster; the parent keeps a bounded window of futures."""

    kind = "dask"

    def __init__(self, scheduler: Any, workers: int | None = None, in_flight: int | None = None) -> None:
        try:
            from distributed import Client, LocalCluster
        except ImportError:  # pragma: no cover - check_args has required the [cluster] extra
            raise ConfigError("--scheduler: dask.distributed is not installed") from None
        self._own_cluster = None
        self._own_client = True
        if isinstance(scheduler, Client):
            self.client, self._own_client = scheduler, False
        elif isinstance(scheduler, str) and scheduler == "local":
            self._own_cluster = LocalCluster(n_workers=int(workers or 2), threads_per_worker=1,
                                             processes=True, dashboard_address=None)
            self.client = Client(self._own_cluster)
        elif isinstance(scheduler, str):
            try:
                self.client = Client(scheduler, timeout="20s")
            except (OSError, TimeoutError) as exc:
                raise ConfigError(f"--scheduler {scheduler}: cannot connect ({exc})") from None
        else:  # a Cluster object (LocalCluster, SLURMCluster, ...)
            self.client = Client(scheduler)
        self._fixed_in_flight = in_flight
        self._checked = 0.0
        self.workers = self._count_threads()

    def _count_threads(self) -> int:
        return max(1, sum(self.client.nthreads().values()))

    def _limit(self) -> int:
        if self._fixed_in_flight:
            return self._fixed_in_flight
        now = time.monotonic()
        if now - self._checked > 5.0:  # clusters grow and shrink; look again now and then
            self.workers, self._checked = self._count_threads(), now
        return IN_FLIGHT_PER_WORKER * self.workers

    def map_unordered(self, fn: Callable[[Any], Any], items: Iterable[Any]) -> Iterator[Any]:
        client = self.client

        def submit(item: Any) -> Future:
            return client.submit(fn, item, pure=False)

        def cancel(pending: set[Future]) -> None:
            client.cancel(list(pending))

        return _dask_bounded(submit, items, self._limit, cancel)

    def describe(self) -> str:
        return f"dask {self.client.scheduler.address} ({self.workers} threads)"

    def close(self) -> None:
        if self._own_client and self.client is not None:
            self.client.close()
        if self._own_cluster is not None:
            self._own_cluster.close()
            self._own_cluster = None
        self.client = None


def _dask_bounded(submit: Callable[[Any], Any], items: Iterable[Any], limit: Callable[[], int],
                  cancel: Callable[[set], None]) -> Iterator[Any]:
    """Like :func:`_bounded`, with ``distributed.as_completed`` for Dask futures."""
    from distributed import as_completed

    it = iter(items)
    exhausted = False
    ac = as_completed()
    live: set = set()

    def top_up() -> None:
        nonlocal exhausted
        while not exhausted and len(live) < limit():
            try:
                fut = submit(next(it))
            except StopIteration:
                exhausted = True
                return
            live.add(fut)
            ac.add(fut)

    try:
        top_up()
        while live:
            fut = next(ac)
            live.discard(fut)
            result = fut.result()
            fut.release()
            top_up()
            yield result
    finally:
        if live:
            cancel(live)


def check_args(workers: int | None, scheduler: Any) -> None:
    """Refuse a worker count that is not a whole number of at least 1, or a scheduler that is
    neither an address nor a Dask Client or Cluster (before any work)."""
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, Integral)):
        raise ConfigError(f"workers: expected a whole number of worker processes (or None), "
                          f"got {type(workers).__name__} {workers!r}")
    if workers is not None and workers < 1:
        raise ConfigError(f"--workers: must be at least 1, got {workers}")
    if isinstance(scheduler, str) and scheduler != "local" and "://" not in scheduler:
        raise ConfigError(f"--scheduler {scheduler!r}: expected an address like tcp://HOST:PORT, or 'local'")
    if isinstance(scheduler, str):
        require("cluster", "a sweep on a Dask scheduler (--scheduler, executor='dask')")
    if scheduler is not None and not isinstance(scheduler, str) and not _is_dask(scheduler):
        raise ConfigError(f"scheduler: expected an address 'tcp://HOST:PORT', 'local', or a Dask "
                          f"Client or Cluster, got {type(scheduler).__name__} {scheduler!r}")


def _is_dask(obj: Any) -> bool:
    """Whether ``obj`` is a ``distributed`` Client or Cluster (LocalCluster, SLURMCluster, ...)."""
    try:
        from distributed import Client
        from distributed.deploy import Cluster
    except ImportError:  # without the [cluster] extra nothing is a Dask object
        return False
    return isinstance(obj, Client | Cluster)


def make_executor(workers: int | None = None, scheduler: Any = None,
                  in_flight: int | None = None) -> Executor:
    """The executor for ``workers`` and ``scheduler`` (see the module docstring).

    Args:
        workers: worker processes; 1 runs serially; None uses every core.
        scheduler: Dask scheduler address ``tcp://HOST:PORT``, ``"local"``, or a
            ``distributed`` Cluster/Client object. Overrides ``workers`` except with "local".
        in_flight: most tasks submitted at once (default: twice the workers).

    Raises:
        ConfigError: ``workers`` is not positive, or the scheduler cannot be reached.
    """
    check_args(workers, scheduler)
    if scheduler is not None:
        return DaskExecutor(scheduler, workers, in_flight)
    if workers == 1:
        return SerialExecutor()
    return ProcessExecutor(workers, in_flight)
