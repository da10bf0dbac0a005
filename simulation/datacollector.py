"""Mesa's ``DataCollector`` interface over Drumbeat's own recorder.

Mesa users reach for ``model.datacollector.get_model_vars_dataframe()``. Drumbeat records
with a faster recorder of its own (``simulation/recorder.py``: arrays appended once a month,
tables built when first read), so this class collects nothing itself: it reads the run so
far from the recorder and returns the frames in the shape Mesa 3.5's ``DataCollector`` gives
them (``mesa/datacollection.py``):

* ``get_model_vars_dataframe()``: one row per recorded month, a plain ``RangeIndex`` (Mesa's
  "implicit tick"; here row ``i`` is month ``i``, row 0 the starting state), and the
  columns of the national table (``RunResult.national``), then ``seed``: the run's seed
  (drawn when the model was given none), so that ``mesa.batch_run(..., rng=[None] * 3)``
  records the seed each run drew rather than None.
* ``get_agent_vars_dataframe()``: indexed by ``("Step", "AgentID")`` as Mesa's. The units
  Drumbeat records month by month are the *systems* (footprints), not single organisations,
  and systems are not Mesa agents, so they have no ``unique_id``: ``AgentID`` is the
  system's number (its position in ``RunResult.system_names``, as in the events table's
  ``system`` column), and the system's name is in the ``system`` column with the rest of
  the per-system table (``RunResult.systems``). An organisation's state is on the live
  agents (``model.org_agents``, Mesa's ``unique_id`` each) and what happened to it in the
  event log.
* ``get_table_dataframe(name)``: ``"national"``, ``"systems"`` or ``"events"``.

The model records every month by itself; :meth:`DataCollector.collect` does nothing, so a
subclass that calls ``self.datacollector.collect(self)`` in its ``step``, as Mesa's examples
do, records nothing twice.

``mesa.batch_run`` reads a few of Mesa's own attributes rather than the frames
(``_collection_steps``, ``model_vars``, ``agent_reporters``, ``_agent_records``,
``_agenttype_records``); they are given here from the same tables, so that batch_run gives
one row per system per month with the national columns beside the system's.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np
import pandas as pd

from .errors import ConfigError
from .recorder import RunResult

#: Mesa 3.5's index names for agent-level frames.
AGENT_INDEX = ("Step", "AgentID")
TABLES = ("national", "systems", "events")


class _Recorded(Protocol):
    """What the collector needs of a model: its result so far."""

    def result(self) -> RunResult: ...


class DataCollector:
    """Mesa's read interface to a Drumbeat run's records (see the module docstring).

    Args:
        model: the running model (anything with ``result()`` returning a ``RunResult``).
    """

    def __init__(self, model: _Recorded) -> None:
        self._model = model

    def __repr__(self) -> str:
        last = self._model.result().national["step"].iloc[-1]
        return f"<DataCollector over Drumbeat's recorder: months 0 to {last} recorded>"

    def collect(self, model: object = None) -> None:
        """Nothing to do: the model records each month itself (kept for Mesa's interface)."""

    @property
    def model_vars(self) -> dict[str, list]:
        """Model-level variables as Mesa keeps them: column name → list of monthly values."""
        return self.get_model_vars_dataframe().to_dict(orient="list")

    def get_model_vars_dataframe(self) -> pd.DataFrame:
        """The national table and the run's ``seed``: one row per recorded month, ``RangeIndex``
        as Mesa's."""
        result = self._model.result()
        return result.national.assign(seed=int(result.seed))

    def _systems(self) -> pd.DataFrame:
        """The per-system table with ``AgentID``, the system's number, after ``step``."""
        result = self._model.result()
        systems = result.systems.copy()
        systems.insert(1, "AgentID", np.arange(len(systems)) % len(result.system_names))
        return systems

    def get_agent_vars_dataframe(self) -> pd.DataFrame:
        """The per-system table indexed by ``("Step", "AgentID")``, the system's number (its
        name in the ``system`` column)."""
        return self._systems().set_index(["step", "AgentID"]).rename_axis(list(AGENT_INDEX))

    # --- what mesa.batch_run reads (the attributes of Mesa 3.5's DataCollector) -----------
    @property
    def _collection_steps(self) -> list[int]:
        """The months recorded so far."""
        return self._model.result().national["step"].tolist()

    @property
    def agent_reporters(self) -> dict[str, str]:
        """The per-system columns (the system's name first), named as Mesa names its reporters."""
        return {c: c for c in self._model.result().systems.columns if c != "step"}

    @property
    def _agent_records(self) -> dict[int, list[tuple]]:
        """Month -> ``(step, AgentID, *columns)`` per system, as Mesa keeps agent records."""
        systems = self._systems()
        cols = [systems[c].tolist() for c in self.agent_reporters]
        rows = zip(systems["step"].tolist(), systems["AgentID"].tolist(), *cols, strict=True)
        out: dict[int, list[tuple]] = {}
        for row in rows:
            out.setdefault(row[0], []).append(row)
        return out

    @property
    def _agenttype_records(self) -> dict[int, dict]:
        """No per-type records (Mesa's ``agenttype_reporters``)."""
        return {}

    def get_table_dataframe(self, table_name: str) -> pd.DataFrame:
        """One of the recorder's tables by name: national, systems or events.

        Raises:
            ConfigError: an unknown name (an ``Exception``, as Mesa's ``DataCollector`` raises).
        """
        if table_name not in TABLES:
            raise ConfigError(f"table '{table_name}' does not exist; tables: {', '.join(TABLES)}")
        return getattr(self._model.result(), table_name).copy()
