"""Sums and lookups over a run's organisations, ties and systems: what :class:`State` derives
from its arrays (means per system, trust per organisation and system, each organisation's
ties), each the same to the bit as the plain NumPy sum (``sums.py``).

:class:`Aggregates` is mixed into :class:`simulation.state.State`, which declares every field
these methods read and the private caches they keep (``_act``, ``_cache``, ``_member_cache``
and the summing matrices): a cache here is emptied by the State methods that change its data
(``changed`` after ``T`` is written, ``deactivate`` when ``active`` changes).
"""

from __future__ import annotations

import numpy as np

from .sums import SumRows, matvec, summing_rows

# Organisation masks that never change during a run (``Aggregates._members`` caches on them).
_KIND_MASKS = ("is_pooled_kind", "is_ccg", "is_council", "is_nhs")


class Aggregates:
    """The sums and lookups of :class:`simulation.state.State` (its fields are declared there)."""

    __slots__ = ()

    # --- sums over each system's members -----------------------------------------------
    @property
    def n_systems(self) -> int:
        return self.world.n_systems

    def sys_mean(self, values: np.ndarray, mask: np.ndarray | None = None,
                 empty: float = np.nan) -> np.ndarray:
        """Mean of an organisation-level array over each system's (active, masked) members."""
        parts = self._kept_mean_parts(mask) if values.dtype == np.float64 else None
        if parts is not None:  # a kept summing matrix: the same sums (``summing_rows``)
            total, has, den = parts
            return np.where(has, matvec(total, values) / den, empty)
        sys_k, org_k, den = self._members(mask)
        num = np.bincount(sys_k, weights=values[org_k], minlength=self.n_systems)
        return np.where(den > 0, num / np.maximum(den, 1), empty)

    def mean_parts(self, mask: np.ndarray | None) -> tuple[np.ndarray, ...]:
        """:meth:`sys_mean`'s parts, as a kernel takes them: the row pointers and columns of
        the matrix that sums a per-organisation array over each system's active members
        passing ``mask`` (all of them for None) in membership order, whether a system has
        any, and their count (at least 1). Kept across steps for the kind masks and None."""
        total, has, den = self._kept_mean_parts(mask) or self._make_mean_parts(mask)
        return total.indptr, total.indices, has, den

    def _kept_mean_parts(self, mask: np.ndarray | None) -> tuple | None:
        """:meth:`mean_parts` for a kept mask (see :meth:`_members`); None for any other."""
        key = self._mask_key(mask)
        if key is None:
            return None
        self._activity()  # empties the cache when ``active`` has changed
        hit = self._member_cache.get(("mean", key))
        if hit is None:
            hit = self._member_cache["mean", key] = self._make_mean_parts(mask)
        return hit

    def _make_mean_parts(self, mask: np.ndarray | None) -> tuple:
        w = self.world
        keep = (self.active if mask is None else (self.active & mask))[w.mem_org]
        den = self._members(mask)[2]
        return (summing_rows(w.mem_sys, w.mem_org, keep, (self.n_systems, w.n_orgs),
                             self._mem_order), den > 0, np.maximum(den, 1))

    def _mask_key(self, mask: np.ndarray | None) -> str | None:
        """The name under which results for ``mask`` are kept (None: not kept). A kind mask
        is known by identity, so that a copied state (the teaching app copies models) keeps
        its own."""
        if mask is None:
            return "all"
        for name in _KIND_MASKS:
            if getattr(self, name) is mask:
                return name
        return None

    def sys_count(self, mask: np.ndarray) -> np.ndarray:
        """Active members of each system that pass ``mask``."""
        return self._members(mask)[2].copy()

    def _members(self, mask: np.ndarray | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(system, organisation) of the membership rows whose organisation is active and
        passes ``mask``, in membership order; and how many rows each system keeps.

        (Summing over the kept rows gives the same sums, to the bit, as summing over all rows
        with zeros for the others.) Kept across steps for the fixed kind masks and for no mask
        while ``active`` is unchanged; found afresh for any other mask.
        """
        key = self._mask_key(mask)
        if key is not None:
            self._activity()  # empties the cache when ``active`` has changed
            hit = self._member_cache.get(key)
            if hit is not None:
                return hit
        w = self.world
        keep = (self.active if mask is None else (self.active & mask))[w.mem_org]
        found = (w.mem_sys[keep], w.mem_org[keep],
                 np.bincount(w.mem_sys, weights=keep, minlength=self.n_systems))
        if key is not None:
            self._member_cache[key] = found
        return found

    def systems_of(self, org: int) -> np.ndarray:
        """Systems that organisation ``org`` belongs to (its membership rows, in order)."""
        w = self.world
        start = w.org_start
        stop = start[org + 1] if org + 1 < w.n_orgs else w.mem_sys.size
        return w.mem_sys[start[org]:stop]


    def out_ties(self, orgs: np.ndarray | int) -> np.ndarray:
        """Indices of the directed ties from ``orgs`` (their trust in partners)."""
        return self._csr(self.out_order, self.out_start, orgs, self._out_bounds)

    def in_ties(self, orgs: np.ndarray | int) -> np.ndarray:
        """Indices of the directed ties towards ``orgs`` (partners' trust in them)."""
        return self._csr(self.in_order, self.in_start, orgs, self._in_bounds)

    @staticmethod
    def _csr(order: np.ndarray, start: np.ndarray, orgs: np.ndarray | int,
             bounds: list[int]) -> np.ndarray:
        orgs = np.atleast_1d(orgs)
        if orgs.size == 1:
            i = int(orgs[0])
            return order[start[i]:start[i + 1]]
        if 1 < orgs.size <= 64:  # a few: their slices, joined (``bounds``: ``start`` as a list)
            return np.concatenate([order[bounds[i]:bounds[i + 1]] for i in orgs.tolist()])
        lo, hi = start[orgs], start[orgs + 1]
        lens = hi - lo
        # positions lo[k] .. hi[k]-1 for every k, in order, without a Python loop
        offsets = np.repeat(lo - np.cumsum(lens) + lens, lens)
        return order[offsets + np.arange(lens.sum())]

    def tie_active(self) -> np.ndarray:
        """Whether both ends of each directed tie are active organisations."""
        return self._activity()[0]

    def _activity(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(active ties, active ties per system, active ties per organisation).

        These depend on ``active`` only, which changes rarely (mergers, through
        :meth:`deactivate`), so they are kept across steps, with the matrices that sum a
        per-tie array over each system's and each organisation's active ties.
        """
        c = self._act
        if c is None:
            a = self.active[self.src] & self.active[self.dst]
            ties = np.arange(len(a))
            self._sys_total = summing_rows(self.tsys, ties, a, (self.n_systems, len(a)),
                                             self._sys_order)
            self._org_total = summing_rows(self.src, ties, a, (self.world.n_orgs, len(a)),
                                             self.out_order)
            # active ties per system and per organisation: the matrices' row lengths
            per_sys = np.diff(self._sys_total.indptr).astype(float)
            per_org = np.diff(self._org_total.indptr).astype(float)
            c = self._act = (a, per_sys, per_org)
            self._sys_active_order = self._sys_order[a[self._sys_order]]
            self._sys_active_has = per_sys > 0
            self._sys_active_start = self._sys_total.indptr[:-1][self._sys_active_has]
            self._member_cache = {}
        return c

    def out_sum(self, values: np.ndarray) -> np.ndarray:
        """Sum of a per-tie array over each organisation's active outgoing ties."""
        return matvec(self.org_ties(), values)

    def org_ties(self) -> SumRows:
        """The matrix that sums a per-tie array over each organisation's active outgoing
        ties (rows: organisations; each row's ties in their order)."""
        self._activity()
        return self._org_total

    def keep_out_trust(self, values: np.ndarray) -> None:
        """Keep ``values``, computed elsewhere as :meth:`out_trust` computes it, as this
        month's :meth:`out_trust` (until ``T`` changes)."""
        self._cache.setdefault("out_trust", values)

    def sys_trust(self) -> tuple[np.ndarray, np.ndarray]:
        """(mean, minimum) trust over each system's active ties; NaN where a system has none."""
        return self.sys_trust_mean(), self.sys_trust_min()

    def sys_trust_mean(self) -> np.ndarray:
        """Mean trust over each system's active ties (NaN where a system has none)."""
        c = self._cache.get("sys_trust_mean")
        if c is None:
            _, den, _ = self._activity()
            num = matvec(self._sys_total, self.T)
            c = self._cache["sys_trust_mean"] = np.where(den > 0, num / np.maximum(den, 1), np.nan)
        return c

    def sys_trust_min(self) -> np.ndarray:
        """Minimum trust over each system's active ties (NaN where a system has none)."""
        c = self._cache.get("sys_trust_min")
        if c is None:
            c = self._cache["sys_trust_min"] = self._sys_trust_min()
        return c

    def _sys_trust_min(self) -> np.ndarray:
        self._activity()
        mn = np.full(self.n_systems, np.nan)
        if self._sys_active_order.size:  # one reduceat over the active ties sorted by system
            mn[self._sys_active_has] = np.minimum.reduceat(self.T[self._sys_active_order],
                                                           self._sys_active_start)
        return mn

    def org_trust(self) -> np.ndarray:
        """Mean trust each organisation places in its active partners (NaN if none)."""
        c = self._cache.get("org_trust")
        if c is None:
            c = self._cache["org_trust"] = self._org_trust()
        return c

    def org_trust_of(self, org: int) -> float:
        """``org_trust()[org]`` (the same number: the same additions in the same order),
        without summing every organisation's ties."""
        c = self._cache.get("org_trust")
        if c is not None:
            return c[org]
        _, _, den = self._activity()
        if den[org] <= 0:
            return np.nan
        m = self._org_total
        ties = m.indices[m.indptr[org]:m.indptr[org + 1]]
        total = np.bincount(np.zeros(ties.size, dtype=np.int64), weights=self.T[ties], minlength=1)
        return total[0] / max(den[org], 1)

    def _org_trust(self) -> np.ndarray:
        _, _, den = self._activity()
        return np.where(den > 0, self.out_trust() / np.maximum(den, 1), np.nan)

    def out_trust(self) -> np.ndarray:
        """Each organisation's summed trust over its active outgoing ties."""
        c = self._cache.get("out_trust")
        if c is None:
            c = self._cache["out_trust"] = self.out_sum(self.T)
        return c
