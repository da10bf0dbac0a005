"""Optional extras: what each needs, whether it is installed, and the one line naming it.

The core install (``pip install drumbeat``) is the model, its compiled kernels, sweeps and
their reports. The rest is optional, one extra each (pyproject.toml):

========== ============================== =====================================================
extra      needs                          for
========== ============================== =====================================================
app        solara, segno                  ``drumbeat teach`` (the teaching app; segno: its QR code)
viz        solara, altair                 Mesa's SolaraViz on ``DrumbeatModel``
calibrate  pyabc                          ``drumbeat calibrate`` (ABC-SMC)
cluster    distributed (Dask)             sweeps on a Dask scheduler (``--scheduler``)
discover   ema_workbench                  ``drumbeat discover`` (PRIM, feature scores)
survival   lifelines                      the survival section of a factorial sweep's report
========== ============================== =====================================================

A command or a library call that needs an extra calls :func:`require` before any work; the
command line prints its :class:`MissingExtra` (a :class:`~simulation.ConfigError`) in one
line and exits 2. Whether a module is there is read from the import system without
importing it (:func:`importlib.util.find_spec`).
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from simulation.errors import ConfigError

#: The top-level modules each extra installs (the first missing one is named).
EXTRAS: dict[str, tuple[str, ...]] = {
    "app": ("solara", "segno"),
    "viz": ("solara", "altair"),
    "calibrate": ("pyabc",),
    "cluster": ("distributed",),
    "discover": ("ema_workbench",),
    "survival": ("lifelines",),
}


class MissingExtra(ConfigError):
    """An optional dependency is not installed: one line naming the extra (exit 2)."""


def missing(extra: str) -> list[str]:
    """The modules of ``extra`` that cannot be imported (empty when it is installed)."""
    out = []
    for module in EXTRAS[extra]:
        try:
            found = importlib.util.find_spec(module) is not None
        except (ImportError, ValueError):  # a parent package missing, or a module set to None
            found = False
        if not found:
            out.append(module)
    return out


def has(extra: str) -> bool:
    """Whether every module of ``extra`` is installed."""
    return not missing(extra)


def install_hint(extra: str) -> str:
    """The pip command that installs ``extra``: editable from a checkout (with the checkout's
    own ``.venv/bin/pip`` when that is the environment running, as after ``make run``), else
    from PyPI."""
    checkout = Path(__file__).resolve().parents[2]
    if not (checkout / "pyproject.toml").is_file():
        return f'pip install "drumbeat[{extra}]"'
    own = Path(sys.prefix).resolve() == (checkout / ".venv").resolve()
    return f'{".venv/bin/pip" if own else "pip"} install -e ".[{extra}]"'


def require(extra: str, what: str) -> None:
    """Raise :class:`MissingExtra` unless ``extra`` is installed.

    Args:
        extra: a key of :data:`EXTRAS`.
        what: what needs it, as the message's subject (``"drumbeat calibrate"``).

    Raises:
        MissingExtra: ``what needs the [extra] extra (module is not installed): pip install ...``.
    """
    absent = missing(extra)
    if absent:
        raise MissingExtra(f"{what} needs the [{extra}] extra ({', '.join(absent)} "
                           f"{'is' if len(absent) == 1 else 'are'} not installed): {install_hint(extra)}")
