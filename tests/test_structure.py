"""House rules that a grep can check: randomness only from the run's seed, imports one way."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("simulation", "experiments")

# Calls that draw from a global, unseeded generator.
GLOBAL_RNG = re.compile(
    r"\bnp\.random\.(rand|randn|randint|random|choice|shuffle|permutation|normal|uniform|"
    r"binomial|poisson|beta|seed|exponential|integers)\s*\(|"
    r"\brandom\.(random|randint|choice|shuffle|seed|uniform|gauss|sample)\s*\("
)


def sources(package: str):
    return sorted((ROOT / package).rglob("*.py"))


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def test_no_global_random_generators():
    offenders = []
    for package in PACKAGES:
        for path in sources(package):
            for n, line in enumerate(path.read_text().splitlines(), 1):
                code = line.split("#", 1)[0]
                if GLOBAL_RNG.search(code):
                    offenders.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
    assert not offenders, "global random draws:\n" + "\n".join(offenders)


def test_the_grep_catches_what_it_should():
    assert GLOBAL_RNG.search("x = np.random.rand(3)")
    assert GLOBAL_RNG.search("random.shuffle(items)")
    assert not GLOBAL_RNG.search("rng = np.random.default_rng(seed)")
    assert not GLOBAL_RNG.search("x = rng.random(5)")


def test_simulation_never_imports_experiments():
    offenders = [
        f"{path.relative_to(ROOT)} imports {mod}"
        for path in sources("simulation")
        for mod in imported_modules(path)
        if mod == "experiments" or mod.startswith("experiments.")
    ]
    assert not offenders, "\n".join(offenders)


def test_every_mechanism_module_cites_the_seeds():
    """Each mechanism's docstring states its rule and the seed passages it rests on."""
    mechanisms = ("trust", "leadership", "incentives", "pooling", "contagion", "service_change",
                  "consolidation", "regulation", "centre", "shocks", "spread", "durability")
    cite = re.compile(r"\b00[0-4]:\d+")
    for name in mechanisms:
        doc = ast.get_docstring(ast.parse((ROOT / "simulation" / f"{name}.py").read_text()))
        assert doc and cite.search(doc), f"simulation/{name}.py: docstring lacks a seed citation"
