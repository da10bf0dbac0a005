"""The one exception type for bad input to the model, and a suggestion for misspelt names."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class ConfigError(ValueError):
    """A scenario, parameter or file that cannot be used.

    The message names the file (when there is one), the key and the problem, so
    the command line can print it as one line and exit with status 2.
    """


def did_you_mean(name: str, valid: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` naming the valid names closest to ``name``, or ``""``.

    Args:
        name: the unknown name; for a dotted key (``params.reg_intensty``) its last part is
            compared.
        valid: the names that would have been accepted.
    """
    close = difflib.get_close_matches(name.rsplit(".", 1)[-1], list(valid), n=3, cutoff=0.7)
    if not close:
        return ""
    return " (did you mean " + " or ".join(f"'{c}'" for c in close) + "?)"
