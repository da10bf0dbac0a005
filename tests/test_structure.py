"""House rules that a grep can check: randomness only from the run's seed, imports one way."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("simulation", "experiments")
#: Brief section 3's mechanisms, one module each in simulation/mechanisms/.
MECHANISMS = ("trust", "leadership", "incentives", "pooling", "contagion", "service_change",
              "consolidation", "regulation", "centre", "geography", "shocks", "spread", "durability")

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
    cite = re.compile(r"\b00[0-4]:\d+")
    for name in MECHANISMS:
        path = ROOT / "simulation" / "mechanisms" / f"{name}.py"
        doc = ast.get_docstring(ast.parse(path.read_text()))
        assert doc and cite.search(doc), f"{path.relative_to(ROOT)}: docstring lacks a seed citation"


def test_one_module_per_mechanism_of_the_brief():
    """simulation/mechanisms/ holds exactly the Brief's mechanisms, each listed in the package
    docstring's schedule table."""
    folder = ROOT / "simulation" / "mechanisms"
    found = {p.stem for p in folder.glob("*.py")} - {"__init__"}
    assert found == set(MECHANISMS)
    table = ast.get_docstring(ast.parse((folder / "__init__.py").read_text()))
    for name in MECHANISMS:
        assert f"``{name}``" in table, f"mechanisms/__init__.py does not list {name}"


# --- the import graph ---------------------------------------------------------------------------
def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def project_imports(path: Path) -> set[str]:
    """Every project module ``path`` imports, anywhere in the file (type-only and function-level
    imports included), with relative imports resolved and ``from pkg import mod`` read as the
    module when ``pkg.mod`` is one."""
    me = module_name(path)
    package = me if path.name == "__init__.py" else me.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            subs = {f"{mod}.{a.name}" for a in node.names}
            found.update(subs & MODULES.keys())
            if not subs <= MODULES.keys():  # names defined in the module itself
                found.add(mod)
    return {m for m in found if m in MODULES and m != me}


MODULES = {module_name(p): p for pkg in PACKAGES for p in sorted((ROOT / pkg).rglob("*.py"))}


def import_graph() -> dict[str, set[str]]:
    return {m: project_imports(p) for m, p in MODULES.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_the_cycle_finder_finds_cycles():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_circle_in_the_project():
    found = cycles(import_graph())
    assert not found, "import circles: " + "; ".join(" <-> ".join(c) for c in found)


def test_mechanisms_never_import_the_app_or_experiments():
    graph = import_graph()
    offenders = [f"{m} imports {d}" for m, deps in graph.items() if m.startswith("simulation.mechanisms")
                 for d in deps if d.startswith(("simulation.app", "experiments"))]
    offenders += [f"{m} imports {d}" for m, deps in graph.items()
                  if m.startswith("simulation") and not m.startswith("simulation.app")
                  for d in deps if d.startswith("simulation.app")]
    assert not offenders, "\n".join(offenders)


def test_importing_simulation_loads_no_app_dependency():
    """A fresh interpreter: ``import simulation`` (and running a model) must not pull in Solara
    or the app's modules."""
    code = ("import sys, simulation\n"
            "from simulation.app import ENV_SCENARIO\n"
            "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('solara', 'reacton', 'ipywidgets')"
            " or m in ('simulation.app.page', 'simulation.app.session'))\n"
            "print(','.join(bad))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"import simulation loaded: {out.stdout.strip()}"


def test_the_app_dependency_check_can_fail():
    code = "import sys, simulation.app.page; print('solara' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "True"


def test_no_module_over_about_400_lines():
    long = {m: n for m, p in MODULES.items() if (n := len(p.read_text().splitlines())) > 420}
    assert not long, f"modules over 420 lines: {long}"


# --- the layers of experiments/ -----------------------------------------------------------------
#: experiments/ in layers, bottom first; a module imports its own layer and those below, never
#: one above (DEVELOPERS.md, Layout). The package itself holds nothing.
LAYERS = ("experiments.sweeps", "experiments.analysis", "experiments.science", "experiments.api",
          "experiments.cli")


def layer_of(module: str) -> int | None:
    """The rank of ``module``'s layer in :data:`LAYERS` (None outside experiments/ or for the
    package itself)."""
    return next((i for i, top in enumerate(LAYERS) if module == top or module.startswith(top + ".")),
                None)


def layer_offenders(graph: dict[str, set[str]]) -> list[str]:
    """Every import in ``graph`` from a layer up into a higher one."""
    out = []
    for mod, deps in sorted(graph.items()):
        me = layer_of(mod)
        for dep in sorted(deps):
            them = layer_of(dep)
            if me is not None and them is not None and them > me:
                out.append(f"{mod} imports {dep} ({LAYERS[me]} is below {LAYERS[them]})")
    return out


def test_every_experiments_module_has_a_layer():
    loose = [m for m in MODULES if m.startswith("experiments.") and layer_of(m) is None]
    assert not loose, f"modules in no layer of LAYERS: {loose}"


def test_no_import_runs_up_the_layers_of_experiments():
    """sweeps -> analysis -> science -> api -> cli: function-level and type-only imports count."""
    found = layer_offenders(import_graph())
    assert not found, "imports running up:\n" + "\n".join(found)


def test_the_layer_check_can_fail():
    graph = {"experiments.sweeps.sweep": {"experiments.analysis.tables", "experiments.sweeps.store"},
             "experiments.science.findings": {"experiments.cli.main", "experiments.analysis.figures"},
             "experiments.api": {"experiments.sweeps.sweep", "simulation.model"},
             "experiments.cli.run": {"experiments.api"}}
    assert layer_offenders(graph) == [
        "experiments.science.findings imports experiments.cli.main "
        "(experiments.science is below experiments.cli)",
        "experiments.sweeps.sweep imports experiments.analysis.tables "
        "(experiments.sweeps is below experiments.analysis)"]
    # imports inside functions count: rank_for_followup imports the Morris indices in its body
    assert "experiments.sweeps.indices" in project_imports(ROOT / "experiments" / "sweeps" / "sweep.py")


def test_state_declares_every_attribute_in_one_place():
    """``State`` declares its fields in ``state.py``: no module can add one (``__slots__``,
    no ``__dict__``), and ``State.initial`` makes every one declared."""
    from simulation import DrumbeatModel
    from simulation.state import State

    st = DrumbeatModel("baseline", 1, years=1).state
    assert not hasattr(st, "__dict__")
    assert [name for name in State.__slots__ if not hasattr(st, name)] == []
    try:
        st.undeclared = 1
    except AttributeError:
        pass
    else:
        raise AssertionError("State took an undeclared attribute")
