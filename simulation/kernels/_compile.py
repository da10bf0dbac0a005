"""How the kernels are compiled: Numba's ``njit``, cached on disk where a cache can be kept."""

from __future__ import annotations

import warnings
from collections.abc import Callable

from numba import njit

_warned: list[str] = []  # the first refusal, once warned about


def compiled(func: Callable) -> Callable:
    """``func`` compiled by Numba, its machine code cached in ``__pycache__`` beside the code
    (or Numba's folder in the user's cache). Where neither can be written - a read-only
    installation for a user without a cache folder - Numba refuses to cache; the kernel is
    then compiled in every process instead (about 5 s in all), with one warning."""
    try:
        return njit(cache=True)(func)
    except RuntimeError as err:  # Numba: "cannot cache function ...: no locator available"
        if not _warned:
            _warned.append(str(err))
            warnings.warn(f"Drumbeat's kernels cannot be cached ({err}); they will be compiled "
                          "in every process", RuntimeWarning, stacklevel=2)
        return njit(func)
