"""Issue 21, items 10 and 11: a sweep's worker processes never outlive the main process, and
Ctrl-C at a terminal is one line and exit 130.

Each test starts a real ``drumbeat sweep --workers 2`` (``python -m experiments.cli``, so the
checkout under test runs) in a session of its own and finds its processes by their parent
chain: the main process, its forkserver and resource tracker, and the forkserver's children,
the workers. Before the fix, ``kill -9`` of the main process left the forkserver, the resource
tracker and both workers running (each worker about 120-220 MB, minutes later), and SIGINT to
the process group printed a KeyboardInterrupt traceback from every worker.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

psutil = pytest.importorskip("psutil")

from tests.experiments.conftest import small_spec  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="reads /proc and the forkserver's parent chain (Linux)")


def _start(tmp_path: Path) -> subprocess.Popen:
    """A 2-worker sweep long enough (200 two-year runs) to be caught running."""
    spec = small_spec(tmp_path, replicates=50)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    return subprocess.Popen([sys.executable, "-m", "experiments.cli", "sweep", str(spec), "--workers", "2",
                             "--out", str(tmp_path / "out"), "--no-report"],
                            cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)


def _ignores_sigint(pid: int) -> bool:
    """Whether process ``pid`` ignores SIGINT (its SigIgn mask in /proc), i.e. it is set up."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("SigIgn:"):
                return bool(int(line.split()[1], 16) & (1 << (signal.SIGINT - 1)))
    except OSError:
        pass
    return False


def _processes(main: psutil.Process, timeout: float = 90.0) -> tuple[list, list]:
    """(every helper process of the sweep, its two workers) once both workers are set up."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            helpers = main.children()
            servers = [p for p in helpers if "forkserver" in " ".join(p.cmdline())]
            workers = [w for s in servers for w in s.children()]
        except psutil.Error:
            helpers, workers = [], []
        if len(workers) >= 2 and all(_ignores_sigint(w.pid) for w in workers):
            return helpers + workers, workers
        time.sleep(0.1)
    raise AssertionError(f"the sweep's two workers did not start within {timeout} s")


def _alive(procs: list) -> list:
    """The processes still running (a zombie waiting for its reaper has ended)."""
    out = []
    for p in procs:
        try:
            if p.is_running() and p.status() != psutil.STATUS_ZOMBIE:
                out.append(p)
        except psutil.NoSuchProcess:
            pass
    return out


def _gone_within(procs: list, seconds: float) -> list:
    deadline = time.monotonic() + seconds
    while _alive(procs) and time.monotonic() < deadline:
        time.sleep(0.1)
    return _alive(procs)


def _cleanup(procs: list) -> None:
    for p in _alive(procs):  # only the processes this test started
        p.kill()


def test_kill_9_of_the_main_process_leaves_no_worker_or_forkserver(tmp_path):
    proc = _start(tmp_path)
    procs: list = []
    try:
        procs, workers = _processes(psutil.Process(proc.pid))
        assert len(workers) == 2 and len(procs) >= 3  # forkserver, resource tracker, 2 workers
        proc.kill()  # SIGKILL: no handler, no clean-up in the main process
        proc.wait(timeout=30)
        left = _gone_within(procs, 10.0)
        assert not left, [(p.pid, " ".join(p.cmdline())[:80]) for p in left]
    finally:
        proc.kill()
        _cleanup(procs)  # first: a live orphan holds the pipes open
        proc.communicate(timeout=30)


def test_ctrl_c_to_the_process_group_is_one_line_and_exit_130(tmp_path):
    proc = _start(tmp_path)
    procs: list = []
    try:
        procs, _ = _processes(psutil.Process(proc.pid))
        os.killpg(proc.pid, signal.SIGINT)  # as a terminal does: every process of the group
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 130
        assert err == "drumbeat: interrupted\n", err  # no worker's traceback
        assert "0/200 runs done" in out  # the run count was shown before the first run
        assert not _gone_within(procs, 10.0)
    finally:
        proc.kill()
        _cleanup(procs)  # first: a live orphan holds the pipes open
        proc.communicate(timeout=30)


IDLE_POOL = """
import sys, time
from experiments.sweeps.executors import make_executor
from tests.experiments import workfns
try:
    with make_executor(2) as ex:
        assert sorted(ex.map_unordered(workfns.square, range(4))) == [0, 1, 4, 9]
        print("ready", flush=True)
        time.sleep(60)
except KeyboardInterrupt:
    print("interrupted", file=sys.stderr)
    sys.exit(130)
"""


def test_ctrl_c_reaches_no_idle_worker(tmp_path):
    """Idle workers (waiting for a task) are where Ctrl-C used to print a traceback each."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-c", IDLE_POOL], cwd=tmp_path, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    procs: list = []
    try:
        assert proc.stdout.readline().strip() == "ready"
        procs, _ = _processes(psutil.Process(proc.pid))
        os.killpg(proc.pid, signal.SIGINT)
        out, err = proc.communicate(timeout=60)
        assert (proc.returncode, err) == (130, "interrupted\n")
        assert not _gone_within(procs, 10.0)
    finally:
        proc.kill()
        _cleanup(procs)
        proc.communicate(timeout=30)


def test_a_worker_exits_when_the_main_process_is_gone(tmp_path):
    """The watcher itself, without a sweep: a process that is not the worker's parent."""
    script = ("import sys, time\n"
              "from experiments.sweeps import executors\n"
              "executors.worker_setup(int(sys.argv[1]))\n"
              "print('ready', flush=True)\n"
              "time.sleep(60)\n")
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    worker = subprocess.Popen([sys.executable, "-c", script, str(sleeper.pid)], env=env,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert worker.stdout.readline().strip() == "ready"
        time.sleep(0.3)
        assert worker.poll() is None  # the watched process is alive: the worker stays
        sleeper.kill()
        sleeper.wait()
        assert worker.wait(timeout=10) == 3  # executors.ORPHANED
    finally:
        sleeper.kill()
        worker.kill()
        worker.communicate()
