"""The facilitator's pick of a real system (Solara): a searchable list of the 44 footprints of
2016 under the preset menu (``real.py`` builds each footprint's preset)."""

from __future__ import annotations

import solara

from ..errors import ConfigError
from .real import find_footprint, footprints, key_of, label
from .session import Action
from .view import View

#: What the list says when no footprint matches what was typed.
NO_MATCH = ("no footprint of 2016 matches: type part of its name (Dorset) or its code (E54000041); "
            "the 44 are in configs/england/footprints.csv")


def pick(text: str | None, seed: int) -> tuple[Action | None, str]:
    """The room action that opens the footprint ``text`` names (see ``real.find_footprint``),
    or None and the one-line reason (an unknown footprint); None and "" for an empty box."""
    if not str(text or "").strip():
        return None, ""
    try:
        return Action("load", key_of(find_footprint(str(text))), seed), ""
    except ConfigError as exc:
        return None, str(exc)


@solara.component
def RealSystemPick(view: View, act):  # noqa: N802 - a component
    """Type part of a footprint's name (or its code), pick it, and the room opens it."""
    problem, set_problem = solara.use_state("")
    current = next((label(c, n) for c, n in footprints() if key_of(c) == view.preset.key), None)

    def chosen(text) -> None:
        action, why = pick(text, view.seed)
        set_problem(why)
        if action is not None and action.name != view.preset.key:
            act(action)

    with solara.Div(classes=["real-pick"], attributes={"data-testid": "real-pick"}):
        solara.v.Autocomplete(label="Real system (type to search)", v_model=current,
                              items=[label(c, n) for c, n in sorted(footprints(), key=lambda x: x[1])],
                              on_v_model=chosen, dense=True, hide_details=True, class_="real-select",
                              no_data_text=NO_MATCH)
        if problem:
            solara.Warning(problem, dense=True, classes=["real-refused"])
