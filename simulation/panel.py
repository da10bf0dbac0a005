"""The Real England panel: the public record of the footprints, read and checked.

``configs/england/`` holds one CSV file a table (``panel.toml`` lists them); every row names
its public sources by id (``sources.csv``), and a value the record does not give is marked
in the row's ``filled`` column with the stated rule that fills it (``fill_rules.csv``).
This module reads the tables with the standard library, checks them and returns plain
frozen records. It knows nothing of the model: the world builder reads what it returns.

A bad file raises :class:`~simulation.errors.ConfigError` with one line naming the file,
the row (the line of the file: the header is row 1) and the problem.

The July 2017 ratings are a test of the model, never an input, so they are read only by
:func:`load_test_targets`, not by :func:`load_panel`.
"""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import importlib.util
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from .configs import CHECKOUT, PACKAGE
from .errors import ConfigError

#: The last designation date the panel may hold before the statute (later ones are held out).
LAST_FITTED_DESIGNATION = dt.date(2018, 5, 31)
#: The statutory establishment of every integrated care board.
STATUTORY = dt.date(2022, 7, 1)

Row = dict[str, str]


@dataclass(frozen=True)
class Table:
    """What a table must hold: its columns, key, the source column of each value, the value
    columns that are empty only when filled, date columns and references to other tables."""

    columns: tuple[str, ...]
    key: str = ""
    sources: dict[str, str] = field(default_factory=dict)  # value column -> its source column
    values: tuple[str, ...] = ()
    dates: tuple[str, ...] = ()
    footprint_refs: tuple[str, ...] = ()


SCHEMA: dict[str, Table] = {
    "footprints.csv": Table(
        ("footprint", "name", "kind", "start", "end", "region_code", "region_name", "region_source",
         "population_mid2018", "population_source", "upper_tier_councils", "councils_source", "source",
         "filled"), key="footprint",
        sources={"region_code": "region_source", "region_name": "region_source",
                 "population_mid2018": "population_source", "upper_tier_councils": "councils_source"},
        values=("start", "region_code", "region_name", "population_mid2018", "upper_tier_councils"),
        dates=("start", "end")),
    "footprint_changes.csv": Table(
        ("change", "date", "kind", "parts", "into", "source", "filled", "note"), key="change",
        values=("date", "parts", "into"), dates=("date",)),
    "acute_trusts.csv": Table(
        ("trust", "name", "footprint", "placement", "spans", "source", "filled", "note"), key="trust",
        values=("footprint",), footprint_refs=("footprint",)),
    "ccgs.csv": Table(
        ("ccg", "ods", "name", "footprint", "start", "population_mid2018", "source", "filled"), key="ccg",
        values=("footprint", "start", "population_mid2018"), dates=("start",), footprint_refs=("footprint",)),
    "ccg_mergers.csv": Table(
        ("merger", "date", "not_before", "not_after", "parts", "successor", "source", "filled"), key="merger",
        values=("date", "parts", "successor"), dates=("date", "not_before", "not_after")),
    "systems.csv": Table(
        ("system", "name", "footprint", "coterminous", "source", "note"), key="system",
        values=("footprint", "coterminous"), footprint_refs=("footprint",)),
    "system_changes.csv": Table(
        ("change", "date", "not_before", "not_after", "kind", "parts", "into", "source", "filled", "note"),
        key="change", values=("date", "parts", "into"), dates=("date", "not_before", "not_after")),
    "designations.csv": Table(("system", "date", "wave", "source", "filled"), values=("date", "wave"),
                              dates=("date",)),
    "devolution.csv": Table(("footprint", "deal", "agreed", "powers_from", "source", "filled"),
                            key="footprint", values=("agreed", "powers_from"),
                            dates=("agreed", "powers_from"),
                            footprint_refs=("footprint",)),
    "finances.csv": Table(("year", "scope", "measure", "value_gbp_m", "approximate", "source", "note"),
                          values=("value_gbp_m",)),
    "national_totals.csv": Table(("date", "measure", "value", "source", "note"), values=("value",),
                                 dates=("date",)),
    "test_target_ratings_2017.csv": Table(("footprint", "rating", "source", "filled", "note"),
                                          key="footprint", values=("rating",),
                                          footprint_refs=("footprint",)),
}
RATINGS = ("outstanding", "advanced", "making_progress", "needs_most_improvement")


@dataclass(frozen=True)
class Record:
    """One row: its values by column (``None`` where empty), its sources and its filled values.

    Attributes:
        values: column -> text, ``None`` when the cell is empty.
        sources: value column -> the source ids it names (every value column, from its own
            source column or the row's ``source``).
        filled: column -> the rule that fills it, for the values the record does not give.
        row: the line of the file (for messages).
    """

    values: dict[str, str | None]
    sources: dict[str, tuple[str, ...]]
    filled: dict[str, str]
    row: int

    def __getitem__(self, column: str) -> str | None:
        return self.values[column]

    def date(self, column: str, end: bool = False) -> dt.date | None:
        """A date column as a date (a month or year alone: its first day, or with ``end`` its last)."""
        text = self.values[column]
        return None if text is None else parse_date(text, end=end)


@dataclass(frozen=True)
class Panel:
    """The tables of the panel, each a tuple of records, and the sources and fill rules."""

    folder: Path
    sources: dict[str, Row]
    fill_rules: dict[str, Row]
    tables: dict[str, tuple[Record, ...]]

    def __getitem__(self, name: str) -> tuple[Record, ...]:
        return self.tables[name if name.endswith(".csv") else f"{name}.csv"]

    def by_key(self, name: str) -> dict[str, Record]:
        key = SCHEMA[f"{name}.csv" if not name.endswith(".csv") else name].key
        return {r[key]: r for r in self[name]}

    def footprints_at(self, day: dt.date) -> list[str]:
        """The footprints in place on ``day``."""
        return [r["footprint"] for r in self["footprints"]
                if r.date("start") <= day and (r["end"] is None or day <= r.date("end", end=True))]


def parse_date(text: str, end: bool = False) -> dt.date:
    """``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``; a year or month alone is its first day (``end``: last)."""
    pieces = text.split("-")
    if not 1 <= len(pieces) <= 3 or len(pieces[0]) != 4 or not all(p.isdigit() for p in pieces):
        raise ValueError(text)
    parts = [int(p) for p in pieces]
    if len(parts) == 1:
        return dt.date(parts[0], 12, 31) if end else dt.date(parts[0], 1, 1)
    if len(parts) == 2:
        last = calendar.monthrange(parts[0], parts[1])[1]
        return dt.date(parts[0], parts[1], last if end else 1)
    return dt.date(*parts)


def panel_dir() -> Path:
    """``configs/england`` of a checkout, else the installed ``drumbeat_configs.england``."""
    if (CHECKOUT / "england" / "panel.toml").is_file():
        return CHECKOUT / "england"
    spec = importlib.util.find_spec(f"{PACKAGE}.england")
    if spec is not None and spec.submodule_search_locations:
        return Path(next(iter(spec.submodule_search_locations)))
    raise ConfigError(f"the Real England panel is missing (no {CHECKOUT / 'england'} and no package "
                      f"{PACKAGE}.england); reinstall drumbeat")


def _fail(path: Path, row: int, problem: str) -> ConfigError:
    return ConfigError(f"{path}: row {row}: {problem}")


def _read(path: Path, columns: tuple[str, ...]) -> list[tuple[int, Row]]:
    """The rows of a CSV file with their line numbers, after checking the header."""
    if not path.is_file():
        raise ConfigError(f"{path}: row 0: file not found")
    with path.open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        header = reader.fieldnames or []
        for col in columns:
            if col not in header:
                raise _fail(path, 1, f"missing column '{col}'")
        rows = []
        for row in reader:
            if None in row or any(v is None for v in row.values()):
                raise _fail(path, reader.line_num, f"{len(header)} columns expected")
            rows.append((reader.line_num, {k: v.strip() for k, v in row.items()}))
    return rows


def _ids(text: str) -> tuple[str, ...]:
    return tuple(p.strip() for p in text.split(";") if p.strip())


def _record(path: Path, n: int, row: Row, table: Table, sources: dict, rules: dict) -> Record:
    filled: dict[str, str] = {}
    for entry in _ids(row.get("filled", "")):
        col, _, rule = entry.partition(":")
        if col not in table.columns:
            raise _fail(path, n, f"filled names '{col}', which is not a column")
        if not rule:
            raise _fail(path, n, f"filled value '{col}' has no rule")
        if rule not in rules:
            raise _fail(path, n, f"fill rule '{rule}' of '{col}' is not in fill_rules.csv")
        filled[col] = rule
    for col in table.values:
        if not row[col] and col not in filled:
            raise _fail(path, n, f"'{col}' is empty and not marked filled "
                                 f"(give it, or name its rule in 'filled')")
    cited: dict[str, tuple[str, ...]] = {}
    for col in ("source", *table.values):
        ids = _ids(row[table.sources.get(col, "source")])
        if not ids and col == "source":
            raise _fail(path, n, "no source (the 'source' column is empty)")
        if not ids and row[col] and col not in filled:
            raise _fail(path, n, f"no source for '{col}' (its column '{table.sources.get(col)}' is empty)")
        for sid in ids:
            if sid not in sources:
                raise _fail(path, n, f"source '{sid}' is not in sources.csv")
        cited[col] = ids
    for col in table.dates:
        if row[col]:
            try:
                parse_date(row[col])
            except ValueError:
                raise _fail(path, n, f"'{col}' is not a date (YYYY, YYYY-MM or YYYY-MM-DD): "
                                     f"'{row[col]}'") from None
    return Record({k: (v or None) for k, v in row.items()}, cited, filled, n)


def _check_keys(path: Path, name: str, records: list[Record]) -> None:
    key = SCHEMA[name].key
    if not key:
        return
    seen: dict[str, Record] = {}
    for r in records:
        if r[key] in seen:
            first = seen[r[key]]
            if name == "acute_trusts.csv" and first["footprint"] != r["footprint"]:
                raise _fail(path, r.row, f"trust '{r[key]}' is in footprints {first['footprint']} (row "
                                         f"{first.row}) and {r['footprint']} with no span recorded: keep "
                                         f"one row and list the other footprint in 'spans'")
            raise _fail(path, r.row, f"duplicate {key} '{r[key]}' (first at row {first.row})")
        seen[r[key]] = r


def _check_links(folder: Path, t: dict[str, list[Record]]) -> None:
    footprints = {r["footprint"]: r for r in t["footprints.csv"]}
    systems = {r["system"]: r for r in t["systems.csv"]}
    for name, table in SCHEMA.items():
        for r in t.get(name, []):
            for col in table.footprint_refs:
                if r[col] and r[col] not in footprints:
                    raise _fail(folder / name, r.row, f"footprint '{r[col]}' is not in footprints.csv")
    for r in t["acute_trusts.csv"]:
        for other in _ids(r["spans"] or ""):
            if other != "unnamed" and other not in footprints:
                raise _fail(folder / "acute_trusts.csv", r.row, f"span '{other}' is not in footprints.csv")
    _check_dated_merges(folder / "footprint_changes.csv", t["footprint_changes.csv"], footprints, "footprint")
    ccgs = {r["ods"]: r for r in t["ccgs.csv"]}
    _check_dated_merges(folder / "ccg_mergers.csv", t["ccg_mergers.csv"], ccgs, "CCG", into="successor")
    for r in t["system_changes.csv"]:
        for part in _ids(r["parts"]):
            if part not in systems:
                raise _fail(folder / "system_changes.csv", r.row, f"system '{part}' is not in systems.csv")
        if r["into"] not in systems and r["into"] not in footprints:
            raise _fail(folder / "system_changes.csv", r.row,
                        f"'{r['into']}' is neither a system nor a footprint")
    for r in t["designations.csv"]:
        path = folder / "designations.csv"
        if r["system"] not in systems and r["system"] not in footprints:
            raise _fail(path, r.row, f"'{r['system']}' is neither a system nor a footprint")
        day = r.date("date")
        if day > LAST_FITTED_DESIGNATION and not (r["wave"] == "statutory" and day == STATUTORY):
            raise _fail(path, r.row, f"designation dated {r['date']} is held out (only designations to May "
                                     f"2018 and the statutory {STATUTORY} may be recorded)")


def _check_dated_merges(path: Path, changes: list[Record], parts_by: dict[str, Record], what: str,
                        into: str = "into") -> None:
    """Each part exists by the change's date (or its ``not_before``), and a successor that is
    a row of the table starts no earlier than the change."""
    for r in changes:
        day = r.date("date") or (r.date("not_before") if "not_before" in r.values else None)
        for part in _ids(r["parts"]):
            if part not in parts_by:
                raise _fail(path, r.row, f"{what} '{part}' is not in the {what} table")
            start = parts_by[part].date("start")
            if day is not None and start is not None and day < start:
                raise _fail(path, r.row, f"merger dated {day} is before its part {part} exists ({start})")
        succ = parts_by.get(r[into] or "")
        if succ is not None and r.date("date") is not None and succ.date("start") < r.date("date"):
            raise _fail(path, r.row, f"{r[into]} starts before the change that makes it")


def _load_tables(folder: Path, names: list[str]) -> tuple[dict, dict, dict[str, list[Record]]]:
    manifest = folder / "panel.toml"
    sources = {r["source"]: r for _, r in _read(folder / "sources.csv", ("source", "publisher", "title",
                                                                         "date", "address"))}
    for n, r in _read(folder / "sources.csv", ("source",)):
        if not r["publisher"] or not r["title"] or not r["address"]:
            raise _fail(folder / "sources.csv", n,
                        f"source '{r['source']}' needs a publisher, title and address")
    rules = {r["rule"]: r for _, r in _read(folder / "fill_rules.csv", ("rule", "description"))}
    tables: dict[str, list[Record]] = {}
    for name in names:
        if name not in SCHEMA:
            raise ConfigError(f"{manifest}: row 0: unknown table '{name}'")
        path = folder / name
        records = [_record(path, n, row, SCHEMA[name], sources, rules)
                   for n, row in _read(path, SCHEMA[name].columns)]
        _check_keys(path, name, records)
        tables[name] = records
    return sources, rules, tables


def _manifest(folder: Path) -> dict:
    path = folder / "panel.toml"
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))["panel"]
    except FileNotFoundError:
        raise ConfigError(f"{path}: row 0: file not found") from None
    except (tomllib.TOMLDecodeError, KeyError) as exc:
        raise ConfigError(f"{path}: row 0: not a panel manifest ({exc})") from None


def load_panel(folder: str | Path | None = None) -> Panel:
    """The panel's input tables (not the test targets), checked.

    Args:
        folder: a panel folder; ``None`` for the shipped one (:func:`panel_dir`).

    Raises:
        ConfigError: one line naming the file, the row and the problem.
    """
    base = Path(folder) if folder is not None else panel_dir()
    names = list(_manifest(base)["tables"])
    sources, rules, tables = _load_tables(base, names)
    _check_links(base, tables)
    return Panel(base, sources, rules, {k: tuple(v) for k, v in tables.items()})


def load_test_targets(folder: str | Path | None = None) -> tuple[Record, ...]:
    """The July 2017 ratings: a test target for the model, never an input to a world."""
    base = Path(folder) if folder is not None else panel_dir()
    panel = load_panel(base)
    names = list(_manifest(base)["test_targets"])
    _, _, tables = _load_tables(base, names)
    footprints = panel.by_key("footprints")
    records = tables["test_target_ratings_2017.csv"]
    path = base / "test_target_ratings_2017.csv"
    for r in records:
        if r["footprint"] not in footprints:
            raise _fail(path, r.row, f"footprint '{r['footprint']}' is not in footprints.csv")
        if r["rating"] not in RATINGS:
            raise _fail(path, r.row, f"rating '{r['rating']}' is not one of {', '.join(RATINGS)}")
    return tuple(records)
