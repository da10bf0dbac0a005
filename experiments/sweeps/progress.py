"""Progress of a sweep: a tqdm bar (runs done, rate, time left) on a terminal or in a notebook.

The bar (``tqdm.auto``: a widget in Jupyter, text on a terminal) is shown only on a terminal
or in a Jupyter kernel, and never when ``CI`` is set. Elsewhere (``nohup``, CI logs) nothing
is printed, unless ``log_every`` seconds is given: then one plain line every so often, for
log files.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable

from tqdm.auto import tqdm


def interactive() -> bool:
    """Whether to draw a progress bar: a terminal or a notebook, and not CI."""
    return (sys.stdout.isatty() or "ipykernel" in sys.modules) and not os.environ.get("CI")


class Progress:
    """Counts finished runs; draws a bar or writes occasional log lines."""

    def __init__(self, total: int, done: int = 0, show: bool | None = None, log_every: float = 0.0,
                 log: Callable[[str], None] = print, desc: str = "runs",
                 unit: str = "run") -> None:
        self.total, self.done, self.started_with = total, done, done
        self.log_every, self.log, self.unit = log_every, log, unit
        self.t0 = self.last = time.monotonic()
        show = interactive() if show is None else show
        self.bar = tqdm(total=total, initial=done, unit=unit, desc=desc, dynamic_ncols=True,
                        smoothing=0.05) if show else None

    def update(self, n: int = 1) -> None:
        """Record ``n`` more finished runs (or other units)."""
        self.done += n
        if self.bar is not None:
            self.bar.update(n)
        elif self.log_every and time.monotonic() - self.last >= self.log_every:
            self.last = time.monotonic()
            self.log(self.line())

    def rate(self) -> float:
        """Runs (units) per second in this session."""
        dt = time.monotonic() - self.t0
        return (self.done - self.started_with) / dt if dt > 0 else 0.0

    def line(self) -> str:
        """``done/total runs, rate, time left`` as one plain line."""
        r = self.rate()
        left = (self.total - self.done) / r if r > 0 else float("nan")
        u = f"{self.unit}s"
        return (f"{self.done}/{self.total} {u} ({self.done / max(self.total, 1):.0%}), "
                f"{r:.2f} {u}/s, about {left / 60:.1f} min left")

    def close(self) -> None:
        """Finish the bar."""
        if self.bar is not None:
            self.bar.close()
            self.bar = None
