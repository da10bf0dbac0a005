"""How many provider trusts of each kind a synthetic England holds (``world.build_england``),
and which totals it can split as asked (``scenario.WorldSpec`` refuses the others)."""

from __future__ import annotations


def provider_counts(trusts: int, n_systems: int) -> dict[str, int]:
    """A synthetic England's provider trusts by kind: England's 2016/17 proportions, with at
    least one acute trust per system and one ambulance trust."""
    ambulance = min(max(1, round(trusts * 10 / 238)), n_systems)
    specialist = max(0, round(trusts * 17 / 238))
    community_mh = round(trusts * 54 / 238)
    return {"acute": max(n_systems, trusts - ambulance - specialist - community_mh),
            "ambulance": ambulance, "specialist": specialist, "community_mh": community_mh}


def exact_trusts(trusts: int, n_systems: int) -> bool:
    """Whether :func:`provider_counts` splits ``trusts`` as asked: with too few for
    ``n_systems`` it adds acute trusts, so ``WorldSpec`` refuses such counts."""
    return sum(provider_counts(trusts, n_systems).values()) == trusts


def fewest_trusts(n_systems: int, most: int = 400) -> int:
    """The count from which every number of trusts up to ``most`` splits as asked."""
    t = most
    while t > 1 and exact_trusts(t - 1, n_systems):
        t -= 1
    return t
