"""The ODD document and the code agree: the generated parameter table, and coverage of the prose.

``docs/ODD.md`` carries a parameter table generated from ``simulation.params.Params``
(``drumbeat odd``). These tests fail when the document and the code disagree, and show that
a deliberately altered, shortened or padded table is caught and named.
"""

from __future__ import annotations

import re
import shutil

import pytest

from experiments.cli.main import main as drumbeat
from experiments.science import odd
from simulation.params import Params

MECHANISM_MODULES = ("trust", "leadership", "incentives", "pooling", "contagion", "service_change",
                     "consolidation", "regulation", "centre", "geography", "shocks", "spread",
                     "durability", "index", "events")
_CITE = re.compile(r"\b(\d{3}):(\d+)(?:-(\d+))?")


@pytest.fixture(scope="module")
def doc_text(root) -> str:
    return (root / "docs" / "ODD.md").read_text(encoding="utf-8")


def _prose(text: str) -> str:
    a, b = odd._block(text, "ODD.md")
    return text[:a] + text[b:]


def _alter_row(text: str, name: str, column: str, new: str) -> str:
    """The document with one cell of parameter ``name`` replaced."""
    col = odd.COLUMNS.index(column)
    out = []
    for line in text.splitlines(keepends=True):
        if line.startswith(f"| `{name}` |"):
            cells = line.rstrip("\n").strip("|").split(" | ")
            cells[col] = new
            line = "|" + " | ".join(cells) + "|\n"
        out.append(line)
    return "".join(out)


def test_document_table_matches_code(doc_text):
    assert odd.differences(doc_text) == {}, "run `drumbeat odd` to regenerate docs/ODD.md"


def test_table_has_one_row_per_parameter(doc_text):
    assert list(odd.read_table(doc_text)) == list(Params.model_fields)


def test_changed_default_is_detected_and_named(doc_text):
    altered = _alter_row(doc_text, "trust_gain", "default", "0.07")
    assert altered != doc_text
    diff = odd.differences(altered)
    assert set(diff) == {"trust_gain"}
    assert "default" in diff["trust_gain"] and "'0.07'" in diff["trust_gain"]


def test_changed_range_and_source_are_detected(doc_text):
    altered = _alter_row(doc_text, "reg_focus", "range", "0 – 2")
    altered = _alter_row(altered, "decommit_rate", "source", "000:1")
    assert set(odd.differences(altered)) == {"reg_focus", "decommit_rate"}


def test_missing_and_extra_rows_are_detected(doc_text):
    lines = [ln for ln in doc_text.splitlines(keepends=True) if not ln.startswith("| `review_learning` |")]
    shortened = "".join(lines)
    assert odd.differences(shortened) == {"review_learning": "missing from the document"}
    padded = doc_text.replace(odd.END, "| `made_up` | x | 1 | 0 – 1 | fraction | none | |\n" + odd.END)
    assert set(odd.differences(padded)) == {"made_up"}


def test_new_parameter_in_code_is_detected(doc_text, monkeypatch):
    rows = odd.parameter_rows()
    extra = odd.Row("new_lever", "Regulatory pressure", "0.5", "0 – 1", "fraction", "a new lever",
                    "000:474")
    monkeypatch.setattr(odd, "parameter_rows", lambda: [*rows, extra])
    assert odd.differences(doc_text) == {"new_lever": "missing from the document"}


def test_every_row_has_range_units_and_source():
    for row in odd.parameter_rows():
        assert row.range and row.units and row.description, row
        if not row.parameter.startswith("w_"):
            assert _CITE.search(row.source), f"{row.parameter} has no seed citation"


def test_check_command_fails_naming_parameters_then_refresh_fixes(root, tmp_path, capsys):
    doc = tmp_path / "ODD.md"
    shutil.copy(root / "docs" / "ODD.md", doc)
    assert drumbeat(["odd", "--check", "--doc", str(doc)]) == 0
    doc.write_text(_alter_row(doc.read_text(), "peer_push", "default", "0.9"))
    capsys.readouterr()
    assert drumbeat(["odd", "--check", "--doc", str(doc)]) == 1
    err = capsys.readouterr().err
    assert "peer_push" in err and "1 parameter" in err
    assert drumbeat(["odd", "--doc", str(doc)]) == 0
    assert drumbeat(["odd", "--check", "--doc", str(doc)]) == 0


def test_document_without_markers_is_a_one_line_error(tmp_path, capsys):
    doc = tmp_path / "ODD.md"
    doc.write_text("# no table here\n")
    assert drumbeat(["odd", "--check", "--doc", str(doc)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "markers not found" in err[0]


def test_every_parameter_is_explained_in_the_prose(doc_text):
    prose = _prose(doc_text)
    missing = [n for n in Params.model_fields if not re.search(rf"\b{n}\b", prose)]
    assert missing == [], f"parameters not described outside the table: {missing}"


def test_every_mechanism_module_has_a_submodel_section(doc_text):
    headings = re.findall(r"^### 7\.\d+ .*\(`(?:mechanisms/)?(\w+)\.py`\)", doc_text, flags=re.M)
    assert sorted(headings) == sorted(MECHANISM_MODULES)


@pytest.mark.parametrize("beside", ["shared", "not-there"])  # the second as in a fresh clone
def test_every_citation_is_a_passage_of_the_brief(doc_text, root, citations, beside):
    """With the domain brief beside the checkout, every citation is one of its passages;
    without it (a fresh clone), every citation resolves in ``docs/sources.md``."""
    brief = root.parent / beside / "BRIEF.md"
    if not brief.is_file():
        sources = (root / "docs" / "sources.md").read_text(encoding="utf-8")
        assert citations.unresolved(citations.citations_in([doc_text]), sources) == []
        return
    known = [(f, int(a), int(b or a)) for f, a, b in _CITE.findall(brief.read_text())]
    for f, a, b in _CITE.findall(doc_text):
        lo, hi = int(a), int(b or a)
        assert any(g == f and not (hi < x or lo > y) for g, x, y in known), f"{f}:{a} not in the brief"
