"""The Real England panel (configs/england): its facts add up, and a bad file is named in one line."""

from __future__ import annotations

import csv
import datetime as dt
import shutil
from collections import Counter
from pathlib import Path

import pytest

from simulation.errors import ConfigError
from simulation.panel import load_panel, load_test_targets, panel_dir

PANEL = load_panel()
#: The Health Foundation's trust-to-STP lookup (MIT), commit of 13 March 2019: 137 trusts.
LOOKUP_TRUSTS = 137


def total(measure: str, date: str) -> int:
    """A national total from national_totals.csv (each row names its source)."""
    rows = [r for r in PANEL["national_totals"] if r["measure"] == measure and r["date"] == date]
    assert len(rows) == 1 and rows[0].sources["value"]
    return int(rows[0]["value"])


def test_44_footprints_of_2016_become_42():
    assert len(PANEL.footprints_at(dt.date(2016, 6, 1))) == total("footprints", "2016-03") == 44
    assert len(PANEL.footprints_at(dt.date(2019, 1, 1))) == total("footprints", "2019") == 42
    assert len(PANEL.footprints_at(dt.date(2022, 6, 30))) == total("footprints", "2022-07-01") == 42
    merge = [c for c in PANEL["footprint_changes"] if c["kind"] == "merge"]
    assert [(c["parts"], c["into"], c["date"]) for c in merge] == [
        ("E54000045;E54000046;E54000047", "E54000049", "2018-08")]
    statutory = [d["system"] for d in PANEL["designations"] if d["wave"] == "statutory"]
    assert sorted(statutory) == sorted(PANEL.footprints_at(dt.date(2022, 6, 30)))
    assert {d["date"] for d in PANEL["designations"] if d["wave"] == "statutory"} == {"2022-07-01"}


def test_every_change_leads_from_a_footprint_that_ends_to_one_that_starts():
    footprints = PANEL.by_key("footprints")
    for change in PANEL["footprint_changes"]:
        start = footprints[change["into"]].date("start")
        assert start == change.date("date")
        for part in change["parts"].split(";"):
            assert footprints[part].date("end", end=True) < start
    ended = {f for f, r in footprints.items() if r["end"]}
    assert ended == {p for c in PANEL["footprint_changes"] for p in c["parts"].split(";")}


def test_designated_systems_inside_footprints_and_their_mergers():
    systems = PANEL.by_key("systems")
    designations = {d["system"]: d for d in PANEL["designations"] if d["wave"] != "statutory"}
    first = sorted(s for s, d in designations.items() if d["wave"] == "first")
    second = sorted(s for s, d in designations.items() if d["wave"] == "second")
    assert len(first) == total("first_wave_systems", "2017-06") == 10
    assert len(second) == total("second_wave_systems", "2018-05") == 4
    assert {designations[s]["date"] for s in first} == {"2017-06"}
    assert {designations[s]["date"] for s in second} == {"2018-05"}
    # Berkshire West and Buckinghamshire: two first-wave systems inside one footprint.
    bob = [s for s in first if systems[s]["footprint"] == "E54000044"]
    assert bob == ["berkshire_west", "buckinghamshire"]
    assert all(systems[s]["coterminous"] == "no" for s in bob)
    # West, North and East Cumbria: designated May 2018, its footprint merged in August 2018.
    cumbria = systems["west_north_east_cumbria"]
    assert designations["west_north_east_cumbria"]["date"] == "2018-05"
    merge = next(c for c in PANEL["system_changes"] if c["parts"] == "west_north_east_cumbria")
    assert (merge["into"], merge["date"]) == ("E54000049", "2018-08")
    merged = next(c for c in PANEL["footprint_changes"] if c["kind"] == "merge")
    assert cumbria["footprint"] in merged["parts"]
    # Blackpool and Fylde Coast grew into its footprint's system; the date is not in the record.
    grow = next(c for c in PANEL["system_changes"] if c["kind"] == "grow")
    assert (grow["parts"], grow["into"], grow["date"], grow.filled) == (
        "blackpool_fylde_coast", "lancashire_south_cumbria", None, {"date": "date_unknown_bounded"})
    # No designation after May 2018 but the statute: those are held out.
    assert all(d.date("date") <= dt.date(2018, 5, 31) or d["date"] == "2022-07-01"
               for d in PANEL["designations"])


def test_every_acute_trust_of_the_lookup_is_placed_and_spans_are_recorded():
    trusts = PANEL["acute_trusts"]
    assert len(trusts) == len({t["trust"] for t in trusts}) == LOOKUP_TRUSTS
    footprints_2017 = set(PANEL.footprints_at(dt.date(2017, 7, 1)))
    assert {t["footprint"] for t in trusts} == footprints_2017
    spans = {t["trust"]: t["spans"] for t in trusts if t["spans"]}
    assert spans == {"RFS": "unnamed", "RVR": "unnamed"}  # Chesterfield Royal; Epsom and St Helier
    by_site = sorted(t["trust"] for t in trusts if t.filled.get("footprint") == "main_site")
    assert by_site == ["RE9", "RFS", "RLN", "RR7", "RTF", "RVR"]


def test_ccgs_and_population_add_up_to_the_national_totals():
    ccgs = PANEL["ccgs"]
    assert len(ccgs) == total("ccgs", "2018-04") == 195
    assert sum(int(c["population_mid2018"]) for c in ccgs) == total("population_mid2018", "2018-07")
    footprints = PANEL.by_key("footprints")
    live_2018 = PANEL.footprints_at(dt.date(2018, 9, 1))
    assert sum(int(footprints[f]["population_mid2018"]) for f in live_2018) == 55_977_178
    per_footprint = Counter(c["footprint"] for c in ccgs)
    assert set(per_footprint) == set(live_2018) and per_footprint["E54000007"] == 10


def test_regions_come_from_the_official_codes():
    footprints = PANEL.by_key("footprints")
    regions = {r["region_code"] for r in footprints.values()}
    assert len(regions) == total("nhs_regions", "2018-04") == 7
    assert all(r.sources["region_code"] in (("ons_nhser18",), ("ons_nhser20",), ("ons_nhser18", "hf_readme"))
               for r in footprints.values())
    assert footprints["E54000045"].filled["region_code"] == "successor_region"
    # the lookup's own region column put Leeds in "Midlands and East"; the ONS code says otherwise
    assert footprints["E54000005"]["region_name"] == "North East and Yorkshire"


def test_every_value_has_a_source_in_sources_csv_and_every_fill_a_rule():
    for name, records in PANEL.tables.items():
        for r in records:
            assert r.sources["source"], (name, r.row)
            for col, value in r.values.items():
                if col in r.sources and value is not None and col not in r.filled:
                    assert r.sources[col] and set(r.sources[col]) <= set(PANEL.sources), (name, r.row, col)
            assert set(r.filled.values()) <= set(PANEL.fill_rules), (name, r.row)
    assert all(s["address"].startswith("http") for s in PANEL.sources.values())


def test_filled_values_are_marked():
    footprints = PANEL.by_key("footprints")
    for code in ("E54000045", "E54000046", "E54000047"):
        assert footprints[code]["population_mid2018"] is None
        assert footprints[code].filled["population_mid2018"] == "not_split"
    missing_councils = [f for f, r in footprints.items() if r["upper_tier_councils"] is None]
    assert all(footprints[f].filled["upper_tier_councils"] == "drawn_by_world" for f in missing_councils)
    assert {f: int(r["upper_tier_councils"]) for f, r in footprints.items() if r["upper_tier_councils"]} == {
        "E54000007": 10, "E54000033": 4, "E54000035": 1}
    undated = [m for m in PANEL["ccg_mergers"] if m["date"] is None]
    assert len(undated) == 15 and all(m.filled["date"] == "date_unknown_bounded" for m in undated)


def test_the_2017_ratings_are_a_test_target_apart_from_the_inputs():
    assert "test_target_ratings_2017.csv" not in PANEL.tables
    ratings = Counter(r["rating"] for r in load_test_targets())
    assert ratings == {"outstanding": 5, "needs_most_improvement": 5, "advanced": 1, "making_progress": 1}
    assert ratings["outstanding"] == total("ratings_outstanding", "2017-07-21")
    assert ratings["needs_most_improvement"] == total("ratings_needs_most_improvement", "2017-07-21")


def test_finances_by_year():
    deficits = {r["year"]: int(r["value_gbp_m"]) for r in PANEL["finances"]}
    assert deficits == {"2012/13": 600, "2013/14": -107, "2014/15": -859, "2015/16": -2450,
                        "2016/17": -791, "2017/18": -960}


# --- bad files: one line naming the file, the row and the problem ---------------------------


@pytest.fixture
def broken(tmp_path) -> Path:
    folder = tmp_path / "england"
    shutil.copytree(panel_dir(), folder)
    return folder


def edit(path: Path, change) -> None:
    with path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    change(rows)
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f, lineterminator="\n").writerows(rows)


def fails(folder: Path, file: str, row: int, problem: str) -> None:
    with pytest.raises(ConfigError) as err:
        load_panel(folder)
    message = str(err.value)
    assert "\n" not in message
    assert message.startswith(f"{folder / file}: row {row}: "), message
    assert problem in message, message


def col(rows, name):
    return rows[0].index(name)


def test_a_missing_column(broken):
    edit(broken / "ccgs.csv", lambda rows: [r.pop(col(rows, "footprint")) for r in rows[::-1]])
    fails(broken, "ccgs.csv", 1, "missing column 'footprint'")


def test_a_duplicate_organisation(broken):
    edit(broken / "ccgs.csv", lambda rows: rows.append(list(rows[5])))
    fails(broken, "ccgs.csv", 197, f"duplicate ccg '{_cell(broken / 'ccgs.csv', 5, 'ccg')}' (first at row 6)")


def test_a_trust_in_two_footprints_with_no_span(broken):
    def twice(rows):
        extra = list(rows[1])  # R0A, Greater Manchester
        extra[col(rows, "footprint")] = "E54000008"
        rows.append(extra)
    edit(broken / "acute_trusts.csv", twice)
    fails(broken, "acute_trusts.csv", 139, "trust 'R0A' is in footprints E54000007 (row 2) and E54000008 "
                                           "with no span recorded")


def test_a_merger_dated_before_its_parts_exist(broken):
    def early(rows):
        rows[1][col(rows, "date")] = "2015-01"
    edit(broken / "footprint_changes.csv", early)
    fails(broken, "footprint_changes.csv", 2, "merger dated 2015-01-01 is before its part E54000045 exists")


def test_a_ccg_merger_dated_before_its_parts_exist(broken):
    def early(rows):
        dated = next(i for i, r in enumerate(rows) if r[col(rows, "date")] == "2020-04")
        rows[dated][col(rows, "date")] = "2017-04"
    edit(broken / "ccg_mergers.csv", early)
    message = r"ccg_mergers.csv: row \d+: merger dated 2017-04-01 is before its part"
    with pytest.raises(ConfigError, match=message):
        load_panel(broken)


def test_a_value_with_no_source(broken):
    def unsourced(rows):
        rows[3][col(rows, "source")] = ""
    edit(broken / "acute_trusts.csv", unsourced)
    fails(broken, "acute_trusts.csv", 4, "no source (the 'source' column is empty)")


def test_a_value_whose_own_source_is_missing(broken):
    def unsourced(rows):
        rows[2][col(rows, "population_source")] = ""
    edit(broken / "footprints.csv", unsourced)
    fails(broken, "footprints.csv", 3, "no source for 'population_mid2018'")


def test_a_source_id_not_in_sources_csv(broken):
    def unknown(rows):
        rows[2][col(rows, "source")] = "ons_ccg18_pop;my_memory"
    edit(broken / "ccgs.csv", unknown)
    fails(broken, "ccgs.csv", 3, "source 'my_memory' is not in sources.csv")


def test_a_filled_value_without_its_rule(broken):
    def ruleless(rows):
        rows[1][col(rows, "filled")] = "upper_tier_councils:"
    edit(broken / "footprints.csv", ruleless)
    fails(broken, "footprints.csv", 2, "filled value 'upper_tier_councils' has no rule")


def test_a_fill_rule_not_in_fill_rules_csv(broken):
    def unknown(rows):
        rows[1][col(rows, "filled")] = "upper_tier_councils:guess"
    edit(broken / "footprints.csv", unknown)
    fails(broken, "footprints.csv", 2, "fill rule 'guess' of 'upper_tier_councils' is not in fill_rules.csv")


def test_an_empty_value_not_marked_filled(broken):
    def unmarked(rows):
        rows[1][col(rows, "filled")] = ""
    edit(broken / "footprints.csv", unmarked)
    fails(broken, "footprints.csv", 2, "'upper_tier_councils' is empty and not marked filled")


def test_a_held_out_designation_is_refused(broken):
    late = ["frimley", "2019-03", "third", "seed002_1443", ""]
    edit(broken / "designations.csv", lambda rows: rows.append(late))
    fails(broken, "designations.csv", 58, "designation dated 2019-03 is held out")


def _cell(path: Path, index: int, name: str) -> str:
    with path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    return rows[index][rows[0].index(name)]
