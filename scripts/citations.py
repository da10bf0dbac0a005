"""Write ``docs/sources.md``: the five source documents and every ``NNN:line`` citation.

Drumbeat cites its evidence as ``NNN:line`` or ``NNN:a-b``: line(s) of seed document ``NNN``
in ``../shared/seeds/`` (beside the checkout, not part of it). This script resolves every
citation found in the repository to a locator a reader can use without the seed files (the
section of the published document, and a few words of the passage) and writes the table,
with the full reference of each document, to ``docs/sources.md``.

    python scripts/citations.py            # rewrite docs/sources.md (needs ../shared/seeds)
    python scripts/citations.py --check    # exit 1 if docs/sources.md is out of date

``tests/test_sources.py`` checks, without the seeds, that every citation in the repository
has a row in ``docs/sources.md``; with the seeds, that the file is what this script writes.
Line numbers count ``\\n`` only (as ``sed -n`` does), never other Unicode line breaks.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT.parent / "shared" / "seeds"
OUT = ROOT / "docs" / "sources.md"

#: A citation: document, first line, optional last line.
CITE = re.compile(r"\b(\d{3}):(\d+)(?:-(\d+))?\b")
#: Where citations are looked for. Tests are left out: they cite made-up lines on purpose.
SCANNED = ("README.md", "DEVELOPERS.md", "simulation", "experiments", "configs", "docs", "results",
           "scripts", "benchmarks")
SUFFIXES = {".py", ".md", ".toml", ".json"}
EXCERPT_WORDS = 6

#: Full references, written by reading each seed file's first and last lines (and, where a
#: seed file lacks them, the published document's own page: said so in the entry).
DOCUMENTS: dict[str, str] = {
    "000": (
        "Timmins, N. (2019). *Leading for integrated care: 'If you think competition is hard, "
        "you should try collaboration'*. London: The King's Fund, November 2019. ISBN "
        "978-1-909029-95-8. Interviews with 16 chairs and leads of STPs and ICSs. Published "
        "at www.kingsfund.org.uk (publications). Seed lines 1–780 follow the report's pages; "
        "its contents list gives the page on which each section begins, quoted below as "
        "\"p.\"."
    ),
    "001": (
        "The King's Fund (2022). Long read on the first months of statutory integrated care "
        "systems, from interviews over the summer and early autumn of 2022 with 25 chairs and "
        "chief executives of integrated care boards and chairs of integrated care "
        "partnerships. Online at www.kingsfund.org.uk/insight-and-analysis/long-reads/"
        "first-days-statutory-integrated-care-systems (the page whose text the seed file "
        "holds; the seed file itself carries no title, author or date line)."
    ),
    "002": (
        "Two documents in one file. **Lines 1–814**: North Cumbria System Leadership Board, "
        "papers of its public meeting of 1 November 2018 (among them the consultation on the "
        "Cumbria Joint Health and Wellbeing Strategy 2019–2029, enclosure 8, and a population "
        "health update, enclosure 13); the seed text gives no web address. **Lines "
        "815–4493**: Charles, A., Wenzel, L., Kershaw, M., Ham, C. and "
        "Walsh, N. (2018). *A year of integrated care systems: reviewing the journey so far*. "
        "London: The King's Fund, September 2018; interviews in eight first-wave ICSs. Online "
        "at www.kingsfund.org.uk/publications/year-integrated-care-systems (the address printed "
        "at the end of the seed text; the authors and month are those of the report's cover, "
        "which the seed text lacks)."
    ),
    "003": (
        "West, D. (2019). *The Integrator*, HSJ (Health Service Journal)'s weekly newsletter on "
        "integration, by its deputy editor: an interview with Dominic Hardy, NHS England's "
        "director of primary care and system transformation, on the pipeline of STPs becoming "
        "ICSs. 2019, before HSJ's Integrated Care Summit of 19–20 September 2019, which it "
        "announces. At www.hsj.co.uk (subscribers); the seed text has no headline or date line."
    ),
    "004": (
        "NHS Providers (2018). *The journey to integrated care systems*. Provider voices "
        "series, third report, September 2018; interviews by Andy Cowper with NHS, local "
        "government and national leaders. London: NHS Providers (Foundation Trust Network). "
        "Online at nhsproviders.org/provider-voices-integrated-care (the address printed in "
        "the report)."
    ),
}
SHORT_TITLES = {
    "000": "The King's Fund (2019), *Leading for integrated care*",
    "001": "The King's Fund (2022), ICSs in their first months as statutory bodies",
    "002": "North Cumbria board papers (Nov 2018); The King's Fund (2018), "
           "*A year of integrated care systems*",
    "003": "HSJ, *The Integrator* (2019), interview with Dominic Hardy",
    "004": "NHS Providers (2018), *The journey to integrated care systems*",
}
#: Seed 002's second document starts at this line.
KF_2018_START = 815


@dataclass(frozen=True)
class Citation:
    """``doc:first`` or ``doc:first-last`` (as written in the repository)."""

    doc: str
    first: int
    last: int

    @property
    def text(self) -> str:
        return f"{self.doc}:{self.first}" + (f"-{self.last}" if self.last != self.first else "")


@dataclass(frozen=True)
class Heading:
    """A section heading of a seed file: its line, its title, its depth, its page if known."""

    line: int
    title: str
    depth: int
    page: str = ""


# --- finding citations in the repository ------------------------------------------------------
def repository_files(root: Path = ROOT) -> list[Path]:
    """Text files that may cite the seeds (``docs/sources.md`` itself excluded)."""
    files: list[Path] = []
    for name in SCANNED:
        p = root / name
        if p.is_file():
            files.append(p)
        elif p.is_dir():
            files += [f for f in p.rglob("*") if f.suffix in SUFFIXES and f.is_file()
                      and "__pycache__" not in f.parts]
    out = root / "docs" / "sources.md"
    return sorted(f for f in files if f != out)


def citations_in(texts: Iterable[str]) -> list[Citation]:
    """Every distinct citation in ``texts``, in document and line order."""
    found = {Citation(d, int(a), int(b or a)) for t in texts for d, a, b in CITE.findall(t)}
    return sorted(found, key=lambda c: (c.doc, c.first, c.last))


def repository_citations(root: Path = ROOT) -> list[Citation]:
    """Every distinct citation in the repository's text files."""
    return citations_in(f.read_text(encoding="utf-8", errors="replace")
                        for f in repository_files(root))


# --- reading the seeds --------------------------------------------------------------------------
def _norm(s: str) -> str:
    return " ".join(s.replace("*", "").split())


def _contents(lines: list[str], first: int, last: int) -> list[tuple[str, str]]:
    """Entries of a printed contents list (lines ``first..last``, 1-based): title and page."""
    entries, carry = [], ""
    for raw in lines[first - 1:last]:
        line = (carry + " " + raw.strip()).strip()
        m = re.match(r"^(?:(\d)\s+)?(.*[A-Za-z].*?)\s+(\d+)$", line)
        if m is None or line.startswith("Contents"):
            # a chapter title set over two lines (in tabbed type) continues on the next
            carry = line if "\t" in raw and m is None else ""
            continue
        number, title, page = m.groups()
        entries.append(((f"{number} " if number else "") + _norm(title), page))
        carry = ""
    return entries


def _find(lines: list[str], start: int, entries: list[tuple[str, str]],
          top: Iterable[str] = ()) -> list[Heading]:
    """The line of each contents entry in the body (from line ``start``), in order.

    A chapter is numbered in the body (and in some contents lists); it is depth 1, as are the
    unnumbered parts named in ``top`` (foreword, references...); every other entry depth 2.
    """
    def bare(s: str) -> tuple[str, str]:
        m = re.match(r"^(\d+)\s+(.*)$", _norm(s))
        return (m.group(1), m.group(2)) if m else ("", _norm(s))

    out, i = [], start - 1
    for title, page in entries:
        _, want = bare(title)
        for j in range(i, len(lines)):
            num, here = bare(lines[j])
            # a heading may be set over up to three lines
            joined = {bare(" ".join(lines[j:j + k]))[1] for k in (1, 2, 3)}
            if here and want in joined:
                depth = 1 if num or want in top else 2
                out.append(Heading(j + 1, f"{num} {want}" if num else want, depth, page))
                i = j + 1
                break
    return out


def _short_lines(lines: list[str]) -> list[Heading]:
    """Headings of a web page saved as text: short lines that do not end a sentence."""
    return [Heading(i + 1, ln.strip(), 1) for i, ln in enumerate(lines)
            if 0 < len(ln.strip()) < 70 and not ln.strip().endswith((".", ":", ",", ";"))]


def _markdown(lines: list[str]) -> list[Heading]:
    """Markdown headings; in seed 004 an all-capitals heading names an interviewee."""
    out = []
    for i, ln in enumerate(lines):
        m = re.match(r"^(#+)\s+(.*)$", ln)
        if not m:
            continue
        title = _norm(m.group(2))
        if len(m.group(1)) == 1:
            continue  # the report's title and "THE INTERVIEWS": no help in finding a passage
        if title.isupper():
            title = "interview with " + " ".join(
                w if w in {"MBE", "OBE", "CBE"} else "-".join(p.capitalize() for p in w.split("-"))
                for w in title.split())
            out.append(Heading(i + 1, title, 1))
        else:
            out.append(Heading(i + 1, title, 2))
    return out


def headings(doc: str, lines: list[str]) -> list[Heading]:
    """Section headings of seed ``doc``, in line order (rules chosen by reading each file)."""
    if doc == "000":
        return _find(lines, 48, _contents(lines, 18, 46), top=(
            "Foreword", "Key messages", "Introduction", "References", "Acknowledgements",
            "About the author"))
    if doc == "002":
        board = [Heading(1, "North Cumbria System Leadership Board papers, 1 November 2018", 1)]
        report = [Heading(KF_2018_START, "*A year of integrated care systems*", 1)]
        entries = _contents(lines, 829, 970)
        return board + report + [
            Heading(h.line, h.title, h.depth + 1, h.page) for h in _find(lines, 971, entries)]
    if doc == "004":
        return _markdown(lines)
    return _short_lines(lines)


def locator(heads: list[Heading], line: int) -> str:
    """The sections a line falls in, outermost first: "Chapter › Section (p. N)"."""
    chain: list[Heading] = []
    for h in reversed([h for h in heads if h.line <= line]):
        if not chain or h.depth < chain[-1].depth:
            chain.append(h)
    if not chain:
        return "opening paragraphs"
    parts = [h.title if h.title.startswith(("interview", "North", "*")) else f"“{_short(h.title)}”"
             for h in reversed(chain)]
    page = f" (p. {chain[0].page})" if chain[0].page else ""
    return " › ".join(parts) + page


def _short(title: str, words: int = 10) -> str:
    """A long heading cut to its first words (enough to recognise it)."""
    w = title.split()
    return " ".join(w[:words]) + ("…" if len(w) > words else "")


def excerpt(lines: list[str], cite: Citation) -> str:
    """The first few words of the passage (its first non-blank line)."""
    for n in range(cite.first, max(cite.last, cite.first + 2) + 1):
        if n > len(lines):
            break
        words = re.sub(r"[*#•|]", " ", lines[n - 1]).strip(" \t\"'“”‘’").split()
        if words:
            return "“" + _short(" ".join(words), EXCERPT_WORDS) + "”"
    return ""


def seed_lines(seeds: Path = SEEDS) -> dict[str, list[str]]:
    """Each seed document's lines, by its three-digit id."""
    out = {}
    for f in sorted(seeds.glob("[0-9][0-9][0-9]_*.txt")):
        lines = f.read_text(encoding="utf-8").split("\n")
        out[f.name[:3]] = lines[:-1] if lines[-1] == "" else lines
    return out


# --- the document ---------------------------------------------------------------------------------
def render(cites: list[Citation], seeds: dict[str, list[str]]) -> str:
    """The text of ``docs/sources.md``."""
    heads = {d: headings(d, ls) for d, ls in seeds.items()}
    out = [
        "# Sources",
        "",
        "Drumbeat's mechanisms, parameters and validation patterns rest on five documents, cited",
        "throughout the code and [the ODD](ODD.md) as `NNN:line` or `NNN:first-last`: line(s) of",
        "the plain-text copy of document `NNN` that the project worked from (kept beside the",
        "repository, not in it). This page gives each document's full reference and resolves",
        "every citation used in the repository to the section of the published document and the",
        "first words of the passage, so that a reader can find it in the original.",
        "",
        "Generated by `scripts/citations.py` from the seed files; `tests/test_sources.py` fails",
        "when a citation in the repository has no row here.",
        "",
        "## The documents",
        "",
        "\"Lines\" is the length of the plain-text copy (in `../shared/seeds/`, file `NNN_*.txt`);",
        "a citation beyond it is an error that the test reports.",
        "",
        "| id | lines | reference |",
        "|---|---|---|",
    ]
    for d, ref in DOCUMENTS.items():
        out.append(f"| {d} | {len(seeds[d])} | {ref} |")
    out += ["", "## Citations", ""]
    for d, title in SHORT_TITLES.items():
        rows = [c for c in cites if c.doc == d]
        if not rows:
            continue
        out += [f"### {d}: {title}", "", "| citation | where | begins |", "|---|---|---|"]
        for c in rows:
            ls = seeds[d]
            if c.last > len(ls) or c.first < 1 or c.last < c.first:
                raise SystemExit(f"{c.text}: outside document {d} ({len(ls)} lines)")
            out.append(f"| `{c.text}` | {locator(heads[d], c.first)} | {excerpt(ls, c)} |")
        out.append("")
    return "\n".join(out)


def read_rows(text: str) -> dict[str, str]:
    """Citation → its row, from the text of ``docs/sources.md``."""
    return {m.group(1): m.group(0) for m in re.finditer(r"^\| `(\d{3}:\d+(?:-\d+)?)` \|.*$",
                                                           text, flags=re.M)}


def read_line_counts(text: str) -> dict[str, int]:
    """Document id → its number of lines, from the table of documents."""
    return {d: int(n) for d, n in re.findall(r"^\| (\d{3}) \| (\d+) \|", text, flags=re.M)}


def unresolved(cites: Iterable[Citation], sources_text: str) -> list[str]:
    """Citations with no row in ``sources_text``, or outside their document's lines."""
    rows, counts = read_rows(sources_text), read_line_counts(sources_text)
    return [c.text for c in cites
            if c.text not in rows or not 1 <= c.first <= c.last <= counts.get(c.doc, 0)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if docs/sources.md is stale")
    parser.add_argument("--seeds", type=Path, default=SEEDS, help="folder of the seed files")
    args = parser.parse_args(argv)
    seeds = seed_lines(args.seeds)
    if sorted(seeds) != sorted(DOCUMENTS):
        print(f"{args.seeds}: expected seed files {', '.join(DOCUMENTS)}", file=sys.stderr)
        return 2
    text = render(repository_citations(), seeds)
    if args.check:
        same = OUT.is_file() and OUT.read_text(encoding="utf-8") == text
        print(f"{OUT.relative_to(ROOT)}: {'up to date' if same else 'out of date'}")
        return 0 if same else 1
    OUT.write_text(text, encoding="utf-8")
    print(f"{OUT.relative_to(ROOT)}: {len(read_rows(text))} citations")
    return 0


if __name__ == "__main__":
    sys.exit(main())
