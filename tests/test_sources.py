"""``docs/sources.md`` resolves every seed citation in the repository (``NNN:line``).

The seed documents live beside the checkout (``../shared/seeds``), not in it; these tests
need only ``docs/sources.md``, except the last, which regenerates it when the seeds are there.
"""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def sources(root) -> str:
    return (root / "docs" / "sources.md").read_text(encoding="utf-8")


def test_every_citation_in_the_repository_has_a_row(citations, root, sources):
    cites = citations.repository_citations(root)
    assert len(cites) > 50  # the scan found the citations (not an empty pass)
    assert citations.unresolved(cites, sources) == [], "run scripts/citations.py"


def test_an_unknown_or_impossible_citation_is_caught(citations, sources):
    made_up = citations.citations_in(["(004:870, 004:99999-99999, 003:47-49, 002:1)"])
    assert citations.unresolved(made_up, sources) == ["002:1", "003:47-49", "004:99999"]


def test_every_document_has_a_full_reference(citations, sources):
    counts = citations.read_line_counts(sources)
    assert sorted(counts) == ["000", "001", "002", "003", "004"]
    for doc, ref in citations.DOCUMENTS.items():
        assert ref in sources and "(20" in ref, doc  # the reference, with its year


def test_every_row_has_a_locator_and_a_short_excerpt(citations, sources):
    for cite, row in citations.read_rows(sources).items():
        _, where, begins = row.strip("| ").split(" | ")
        assert where.strip() and begins.startswith("“"), cite
        assert len(begins.split()) <= citations.EXCERPT_WORDS, cite  # an index, not a copy


def test_file_is_what_the_script_writes(citations, root, sources):
    if not citations.SEEDS.is_dir():
        pytest.skip("the seed documents are not next to this checkout")
    text = citations.render(citations.repository_citations(root), citations.seed_lines())
    assert text == sources, "docs/sources.md is out of date: run scripts/citations.py"
