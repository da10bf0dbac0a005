"""Mesa agents: each organisation and regulator is an agent on the network.

Agents own identity and expose their decisions and state; the numbers live in the run's
arrays (``state.py``) so that mechanisms can work on every organisation at once. An agent
answers "how much do I trust X" for its partners (:meth:`Organisation.trust_in`).

Agents are read-only views: a write to their state (``org.committed = True``) raises
:class:`ReadOnlyAgentError` naming what to do instead, and they have no step of their own
(the model moves every organisation at once in ``DrumbeatModel.step``), so
``model.agents.do("step")`` raises rather than silently doing nothing.
"""

from __future__ import annotations

from typing import Any, Protocol

import mesa
import numpy as np
from mesa.discrete_space import FixedAgent

from .mechanisms import centre
from .scenario import ORG_KINDS
from .state import State


class RunModel(Protocol):
    """What an agent needs of its model (``DrumbeatModel`` provides it; agents never import it)."""

    state: State
    org_agents: list[Organisation]
    tie_index: dict[tuple[int, int], int]

    def inject(self, kind: str, **fields: Any) -> Any: ...


class ReadOnlyAgentError(AttributeError):
    """A write to an agent's state, which is a view of the run's arrays (``model.state``)."""


class _View(FixedAgent):
    """A Mesa agent whose state lives in the run's arrays: its properties cannot be set."""

    def __setattr__(self, name: str, value: Any) -> None:
        prop = getattr(type(self), name, None)
        if isinstance(prop, property) and prop.fset is None:
            raise ReadOnlyAgentError(
                f"{type(self).__name__}.{name} is read-only (a view of the run's arrays, "
                f"model.state): change a run with an event (model.inject(kind, target=...), or "
                f"the agent's methods such as resign()), a parameter (DrumbeatModel(..., key=value)) "
                f"or a decision policy (DrumbeatModel(..., policy=...))")
        super().__setattr__(name, value)

    def step(self) -> None:
        """Refused: Drumbeat's agents do not step one by one; ``model.step()`` advances every
        organisation at once (``simulation/model.py``).

        Raises:
            NotImplementedError: always (so ``model.agents.do("step")`` does not pass silently).
        """
        raise NotImplementedError(
            f"{type(self).__name__} has no step of its own: the model moves every organisation "
            f"at once; call model.step() (or model.run())")


class Organisation(_View):
    """An NHS body or council. ``idx`` is its row in the run's organisation arrays."""

    role = "organisation"

    def __init__(self, model: RunModel | mesa.Model, idx: int, cell) -> None:
        super().__init__(model)
        self.idx = int(idx)
        self.cell = cell

    # identity
    @property
    def name(self) -> str:
        return self.model.state.world.org_name[self.idx]

    @property
    def kind(self) -> str:
        return ORG_KINDS[int(self.model.state.world.org_kind[self.idx])]

    @property
    def systems(self) -> list[str]:
        w = self.model.state.world
        return [w.system_name[s] for s in w.mem_sys[w.mem_org == self.idx]]

    # state
    @property
    def active(self) -> bool:
        return bool(self.model.state.active[self.idx])

    @property
    def committed(self) -> bool:
        """Whether the organisation is committed to working as a system."""
        return bool(self.model.state.committed[self.idx])

    @property
    def orientation(self) -> float:
        """Its leader's orientation towards the system (0 own organisation, 1 system)."""
        return float(self.model.state.orientation[self.idx])

    @property
    def leader_tenure_months(self) -> int:
        return int(self.model.state.tenure[self.idx])

    @property
    def ytd_result_gbp_m(self) -> float:
        """Financial result for the year to date (GBP m; negative is a deficit)."""
        return float(self.model.state.ytd[self.idx])

    @property
    def in_pool(self) -> bool:
        return bool(self.model.state.in_pool[self.idx])

    def partners(self) -> list[Organisation]:
        st = self.model.state
        js = st.dst[(st.src == self.idx) & st.tie_active()]
        return [self.model.org_agents[j] for j in js]

    def trust_in(self, other: Organisation | int) -> float:
        """This organisation's trust in ``other`` (0-1); NaN if they are not tied."""
        j = other.idx if isinstance(other, Organisation) else int(other)
        e = self.model.tie_index.get((self.idx, j))
        return float(self.model.state.T[e]) if e is not None else float("nan")

    def resign(self) -> None:
        """Its chief executive resigns, at the start of the next step."""
        self.model.inject("resignation", target=self.name)


class ProviderTrust(Organisation):
    """An NHS provider trust (acute, community, mental health, ambulance, specialist)."""

    role = "trust"

    @property
    def foundation(self) -> bool:
        return bool(self.model.state.world.foundation[self.idx])


class Commissioner(Organisation):
    """A clinical commissioning group."""

    role = "commissioner"


class Council(Organisation):
    """An upper-tier or district council: politically led, can withdraw and rejoin."""

    role = "council"

    def change_party(self) -> None:
        self.model.inject("council_party_change", target=self.name)


class Regulator(_View):
    """NHS England / Improvement nationally or in one region; intervenes in organisations."""

    role = "regulator"

    def __init__(self, model: RunModel | mesa.Model, region: int | None, cell) -> None:
        super().__init__(model)
        self.region = region
        self.cell = cell

    @property
    def name(self) -> str:
        return "NHS England (national)" if self.region is None else f"NHS England region {self.region + 1}"  # noqa: E501

    def oversees(self) -> np.ndarray:
        """Indices of the NHS bodies this regulator oversees (never councils)."""
        st = self.model.state
        mine = st.is_nhs if self.region is None else st.is_nhs & (st.world.region == self.region)
        return np.flatnonzero(mine)

    @property
    def reviewed(self) -> np.ndarray:
        """The bodies this regulator reviewed in the latest month (``regulation.step``; the
        national body reviews none)."""
        st = self.model.state
        return np.zeros(0, dtype=np.int64) if self.region is None else st.reviewed[self.region]

    def oversee_centre(self) -> None:
        """The national body's month: count readiness and designate at its reviews
        (``mechanisms/centre.py``)."""
        centre.step(self.model.state)

    def intervene(self, org: Organisation) -> None:
        """Intervene in ``org`` at the start of the next step."""
        self.model.inject("intervention", target=org.name)


AGENT_CLASS = {
    "ccg": Commissioner, "council": Council, "district": Council,
}


def agent_class(kind: str) -> type[Organisation]:
    return AGENT_CLASS.get(kind, ProviderTrust)
