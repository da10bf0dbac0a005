"""Events: policy announcements, shocks, resignations and lever changes, all one kind of thing.

An event is an :class:`~simulation.scenario.EventSpec`: dated in a scenario file, or injected
into a running model with :meth:`simulation.model.DrumbeatModel.inject` (teaching app,
durability experiment), in which case it takes effect at the start of the next step. Kinds:

================================ ============================================================
``designation_wave``             the centre invites applications and designates every system
                                 that has stayed ready; reviews follow (002:1443-1452)
``deadline`` (due)               a national deadline is announced, due at ``due``; its pull
                                 fades after it (000:322-326, 003:4)
``statute``                      ICSs become statutory: all designated, CCGs merged (001:1)
``one_ccg_per_system``           Long Term Plan: one commissioner per system; merging x3 (000:626)
``set`` (param, value)           a lever changes, e.g. ``reg_intensity`` or ``incentive``
``resignation`` (target org)     a chief executive leaves (000:194-200)
``deficit_shock`` (target, value) an organisation (or, with target ``all``, every NHS
                                 provider) finds a deficit of ``value`` GBP m/month for
                                 ``months`` (000:474)
``intervention`` (target org)    a regulator intervenes (000:474)
``council_party_change`` (target) a council changes political control (002:3152-3201)
``shared_data`` (target system)  a shared data platform goes live (000:212, 000:636)
``edict`` (target system)        an inconsistent central edict (000:174, 000:486)
``pressure`` (target, value)     winter or workforce pressure crowds out ``value`` of contacts
================================ ============================================================

``target`` is an organisation or system name; empty means every system (or, for
organisation events, is an error).
"""

from __future__ import annotations

import numpy as np

from .errors import ConfigError
from .mechanisms import centre, consolidation, leadership, regulation, shocks
from .scenario import EventSpec
from .state import State

ORG_EVENTS = {"resignation", "deficit_shock", "intervention", "council_party_change"}
#: Organisation events that may also target every organisation of their kind.
ALL_ORGS = {"deficit_shock"}


def resolve_org(st: State, target: str | None, kind: str) -> int:
    """Index of the organisation named ``target``."""
    names = st.world.org_name
    if target is None:
        raise ConfigError(f"event '{kind}' needs a target organisation")
    if target in names:
        return names.index(target)
    raise ConfigError(f"event '{kind}': no organisation named '{target}'; "
                      f"organisations include: {', '.join(names[:8])}, ...")


def resolve_systems(st: State, target: str | None, kind: str) -> np.ndarray:
    """Indices of the systems ``target`` names (all when empty)."""
    w = st.world
    if target is None or target == "all":
        return np.arange(w.n_systems)
    if target in w.system_name:
        return np.array([w.system_name.index(target)])
    if target in w.org_name:
        return np.unique(w.mem_sys[w.mem_org == w.org_name.index(target)])
    raise ConfigError(f"event '{kind}': no system named '{target}'; systems: "
                      f"{', '.join(w.system_name[:8])}{', ...' if w.n_systems > 8 else ''}")


def validate(st: State, ev: EventSpec) -> None:
    """Check an event's target against this world before the run starts."""
    if ev.kind in ALL_ORGS and ev.target == "all":
        return
    if ev.kind in ORG_EVENTS:
        i = resolve_org(st, ev.target, ev.kind)
        if ev.kind == "council_party_change" and not st.is_council[i]:
            raise ConfigError(f"event 'council_party_change': '{ev.target}' is not a council")
    elif ev.kind not in {"set", "designation_wave", "deadline", "statute", "one_ccg_per_system"}:
        resolve_systems(st, ev.target, ev.kind)


def apply(st: State, ev: EventSpec, due_step: int | None = None) -> None:
    """Make ``ev`` happen now."""
    p = st.params
    w = st.world
    why = f" - {ev.note}" if ev.note else ""
    k = ev.kind
    if k == "designation_wave":
        centre.invite(st)
        st.record("invitation", "England", f"the centre invited systems to apply for designation{why}")
    elif k == "deadline":
        st.deadline_step = st.step
        if due_step is not None:
            st.due_step = due_step
        st.record("deadline", "England", "the centre announced a deadline"
                  + (f": every system to be integrated by {ev.due}" if ev.due else "") + why)
    elif k == "statute":
        centre.designate(st, np.flatnonzero(~st.designated), mandated=True, reason="statute")
        for s in range(w.n_systems):
            consolidation.merge(st, s, "statute")
        st.record("statute", "England", f"integrated care systems became statutory{why}")
    elif k == "one_ccg_per_system":
        st.merge_push = 3.0
        st.record("policy", "England", f"the centre called for one CCG per system{why}")
    elif k == "set":
        old = getattr(p, ev.param)
        setattr(p, ev.param, ev.value)
        if ev.param == "shared_data":
            st.shared_data[:] = bool(ev.value)
        st.record("lever", "England", f"{ev.param} changed from {old} to {ev.value}{why}")
    elif k == "resignation":
        leadership.replace(st, np.array([resolve_org(st, ev.target, k)]), f"resigned{why}")
    elif k == "deficit_shock":
        size = float(ev.value) if ev.value is not None else p.deficit_shock_size
        months = ev.months or p.deficit_shock_months
        if ev.target == "all":
            providers = np.flatnonzero(st.active & st.is_pooled_kind & ~st.is_ccg)
            shocks.deficit(st, providers, size, months)
            st.record("deficit_shock", "England", f"every NHS provider's finances worsened by "
                      f"GBP {size:.2f}m a month for {months} months{why}")
            return
        i = resolve_org(st, ev.target, k)
        shocks.deficit(st, i, size, months)
        st.record("deficit_shock", w.org_name[i], f"{w.org_name[i]} found a deficit of "
                  f"GBP {size:.1f}m a month for {months} months{why}",
                  system=int(w.home[i]), org=i)
    elif k == "intervention":
        i = resolve_org(st, ev.target, k)
        regulation.intervene(st, np.array([i]), st.pending_bad, f"ordered{why}")
    elif k == "council_party_change":
        leadership.party_change(st, resolve_org(st, ev.target, k), why)
    elif k == "shared_data":
        sys = resolve_systems(st, ev.target, k)
        st.shared_data[sys] = True
        st.record("shared_data", ev.target or "England",
                  f"a shared data platform went live in {ev.target or 'every system'}{why}")
    elif k == "edict":
        sys = resolve_systems(st, ev.target, k)
        st.pending_bad[np.isin(st.tsys, sys)] += p.edict_trust_hit
        st.record("edict", ev.target or "England",
                  f"an inconsistent central edict landed on {ev.target or 'every system'}{why}")
    elif k == "pressure":
        sys = resolve_systems(st, ev.target, k)
        share = float(ev.value) if ev.value is not None else 0.5
        shocks.pressure(st, sys, share, ev.months or 3)
        st.record("pressure", ev.target or "England",
                  f"workforce and winter pressure crowded out {share:.0%} of system work in "
                  f"{ev.target or 'every system'} for {ev.months or 3} months{why}")
    else:  # pragma: no cover - EventSpec validation makes this unreachable
        raise ConfigError(f"unknown event kind '{k}'")
