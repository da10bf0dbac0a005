"""Same rows and values from 1 worker, 2 worker processes and a Dask LocalCluster; executor contract."""

from __future__ import annotations

import pandas as pd
import pytest

from experiments.sweeps.executors import SerialExecutor, make_executor
from experiments.sweeps.store import Store
from experiments.sweeps.sweep import run_sweep
from tests.experiments import workfns


@pytest.fixture(scope="module")
def dask_cluster():
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                       dashboard_address=None)
    yield cluster
    cluster.close()


def test_same_rows_from_every_executor(tmp_path, spec_factory, dask_cluster):
    spec = spec_factory(years=1.5, body='outputs = ["national", "systems"]')
    outs = {}
    for label, kw in {"serial": {"workers": 1}, "two": {"workers": 2},
                      "dask": {"scheduler": dask_cluster}}.items():
        outs[label] = run_sweep(spec, tmp_path / label, show_progress=False, log=lambda s: None, **kw)
    ref = Store(outs["serial"])
    rows = ref.read("summary")
    assert len(rows) == 8 and rows["run_id"].is_unique
    assert rows["seed"].nunique() == 8
    # the runs differ from each other (so equality below means something)
    assert rows["mean_trust_at_end"].nunique() > 1
    for label in ("two", "dask"):
        other = Store(outs[label])
        pd.testing.assert_frame_equal(rows, other.read("summary"), check_exact=True)
        for table in ("national", "systems"):
            pd.testing.assert_frame_equal(ref.read(table), other.read(table), check_exact=True)
        # the committed aggregate is byte-for-byte the same file
        agg = outs[label] / "summary.parquet"
        assert (outs["serial"] / "summary.parquet").read_bytes() == agg.read_bytes()


@pytest.mark.parametrize("workers", [1, 2])
def test_map_unordered_yields_every_result(workers):
    with make_executor(workers) as ex:
        assert ex.workers == workers
        assert sorted(ex.map_unordered(workfns.square, range(25))) == [i * i for i in range(25)]


def test_dask_executor_with_cluster_object(dask_cluster):
    with make_executor(scheduler=dask_cluster) as ex:
        assert ex.workers == 2
        assert sorted(ex.map_unordered(workfns.square, range(10))) == [i * i for i in range(10)]


def test_in_flight_is_bounded():
    pulled = []

    def items():
        for i in range(100):
            pulled.append(i)
            yield i

    with make_executor(2, in_flight=3) as ex:
        it = ex.map_unordered(workfns.square, items())
        next(it)
        assert len(pulled) <= 4  # three submitted, then at most one more after the first result
        assert len(list(it)) == 99


def test_serial_runs_in_order_and_errors_propagate():
    ex = SerialExecutor()
    assert list(ex.map_unordered(workfns.square, [3, 1, 2])) == [9, 1, 4]
    with make_executor(2) as pex, pytest.raises(ValueError, match="three"):
        list(pex.map_unordered(workfns.fail_on_three, range(8)))
