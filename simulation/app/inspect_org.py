"""One organisation, as the facilitator inspects it by clicking it in the network.

Plain sentences from a :class:`~simulation.app.view.View` (never the live model): what
it is and whether it is committed, its chief executive (months in post, interim, system
orientation), its finances, trust with each partner both ways, and what happened to it.
"""

from __future__ import annotations

import numpy as np

from .figures import GROUPS
from .view import View

_KIND_WORDS = {kind: label for names, _, _, label in GROUPS for kind in names}

#: How many of the organisation's own log lines the card shows (newest first).
HAPPENED = 4


def org_card(view: View, name: str) -> list[str]:
    """Lines describing organisation ``name`` now (empty if there is no such organisation)."""
    if name not in view.org_names:
        return []
    i = view.org_names.index(name)
    net = view.network
    kind = _KIND_WORDS.get(view.org_kinds[i], view.org_kinds[i].replace("_", " "))
    state = ("committed to working as a system" if net["committed"][i] else "not committed")
    if not net["active"][i]:
        state = "no longer exists (merged or closed)"
    if net["intervention"][i]:
        state += "; under statutory intervention"
    months = int(net["tenure"][i])
    interim = int(net["vacancy"][i])
    leader = (f"Chief executive: {months} month{'s' if months != 1 else ''} in post"
              + (f" (an interim holds the post for about {interim} more month{'s' if interim != 1 else ''})"
                 if interim else "")
              + f"; looks to the system rather than its own books: {float(net['orientation'][i]):.2f} of 1.")
    money = f"Finances: GBP {float(net['ytd'][i]):+,.1f}m so far this financial year."
    out = [f"{name} ({kind}): {state}.", leader, money, _ties(view, i)]
    ev = view.result.events
    own = ev[ev["org"] == i].tail(HAPPENED).iloc[::-1]
    if len(own):
        told = "; ".join(f"month {int(r.step)}: {view.retold.get((int(r.step), i, r.kind), r.text)}"
                         for r in own.itertuples())  # a participant's choice told as theirs
        out.append(f"What happened to it: {told}.")
    else:
        out.append("Nothing has happened to it yet.")
    return out


def _ties(view: View, i: int) -> str:
    """Trust to and from each partner, lowest first."""
    net = view.network
    out_e = np.flatnonzero((net["src"] == i) & net["active"][net["dst"]])
    if out_e.size == 0:
        return "No working ties."
    pairs = sorted((float(net["T"][e]), float(net["T"][net["rev"][e]]), view.org_names[int(net["dst"][e])])
                   for e in out_e)
    return ("Trust with partners (its trust in them / theirs in it, 0-1), lowest first: "
            + "; ".join(f"{who} {a:.2f} / {b:.2f}" for a, b, who in pairs) + ".")
