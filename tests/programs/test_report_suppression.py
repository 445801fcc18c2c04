"""Small-cell suppression of the program report: no count below 5 can be worked out from what is shown, whether
from the rate beside it, the other half of a split, or a total (issue 12, item 7). Pure functions: no database."""

import itertools
import random
from collections import defaultdict

import pytest

from programs.selectors import COUNTS, RATES, SMALL_CELL, ReportRow, hidden_figures, suppress_small_cells

NOTHING = frozenset()
FOLLOW_UP_SPLIT = {"followed_up", "left_site", "still_there", "left_site_rate"}


def row(enrolled, trained, followed_up, left_site, still_there, enrolled_finished=None, label=""):
    finished = enrolled if enrolled_finished is None else enrolled_finished
    return ReportRow(label, enrolled, trained, followed_up, left_site, still_there, finished)


@pytest.mark.parametrize(
    ("counts", "hidden"),
    [
        # The first example: "peserta 6, lulus <5, 33%" gave lulus = 2.
        (row(6, 2, 0, 0, 0), {"trained", "completion_rate"}),
        # The second: "masih di lokasi 0, meninggalkan lokasi 100%" said everyone followed up had left.
        (row(10, 8, 3, 3, 0), FOLLOW_UP_SPLIT),
        # dipantau 6 and masih di lokasi 5 would give meninggalkan lokasi 1.
        (row(10, 8, 6, 1, 5), {"left_site", "still_there", "left_site_rate"}),
        (row(10, 8, 6, 5, 1), {"left_site", "still_there", "left_site_rate"}),
        # Nobody small: everything shown, zeros included.
        (row(30, 24, 20, 15, 5), NOTHING),
        (row(30, 0, 0, 0, 0), NOTHING),
        (row(0, 0, 0, 0, 0), NOTHING),
        # A small batch: all its non-zero counts and both rates.
        (row(3, 3, 2, 2, 0), {"enrolled", "trained", "completion_rate"} | FOLLOW_UP_SPLIT),
    ],
)
def test_a_row_hides_its_small_counts_and_every_figure_they_could_be_worked_out_from(counts, hidden):
    assert hidden_figures(counts.counts) == hidden


def test_a_count_hidden_for_another_rows_sake_takes_its_rate_and_split_with_it():
    assert hidden_figures(row(30, 24, 20, 15, 5).counts, frozenset({"followed_up"})) == FOLLOW_UP_SPLIT
    assert hidden_figures(row(30, 24, 20, 15, 5).counts, frozenset({"enrolled"})) == {"enrolled", "completion_rate"}


def every_row_up_to(largest: int):
    """Every consistent row: enrolled >= trained >= followed_up = left + still there, and whoever completed was in
    a finished batch (so enrolled >= enrolled_finished >= trained)."""
    for enrolled, trained, followed_up, left in itertools.product(range(largest + 1), repeat=4):
        if not enrolled >= trained >= followed_up >= left:
            continue
        for finished in range(trained, enrolled + 1):
            yield row(enrolled, trained, followed_up, left, followed_up - left, finished)


def published(report_row: ReportRow) -> tuple:
    """What a reader sees of a row: each figure, or that it is hidden (one mark for all)."""
    report_row.suppress()
    return tuple("*" if name in report_row.hidden else getattr(report_row, name) for name in (*COUNTS, *RATES))


def test_no_small_count_of_any_row_up_to_twelve_can_be_recovered_from_what_the_row_shows():
    # A reader who knows the rule narrows a row down to every row that would look the same. A small count is
    # recovered when all of those rows agree on it.
    looking_alike = defaultdict(list)
    for candidate in every_row_up_to(12):
        looking_alike[published(candidate)].append(candidate)

    recovered = [
        (shown, name, getattr(alike[0], name))
        for shown, alike in looking_alike.items()
        for name in COUNTS
        if len({getattr(r, name) for r in alike}) == 1 and 0 < getattr(alike[0], name) < SMALL_CELL
    ]

    assert len(looking_alike) > 100  # the check saw many different pages, not one
    assert recovered == []


# Totals: a column of a table, with its total, never has exactly one hidden cell.


def test_a_single_hidden_cell_in_a_column_takes_a_second_one_with_it():
    small, large = row(10, 3, 0, 0, 0, label="1"), row(10, 8, 0, 0, 0, label="2")
    total = row(20, 11, 0, 0, 0)

    suppress_small_cells([[small, large]], total)

    # Shown, total 11 and batch 2's 8 would give batch 1's 3.
    assert "trained" in small.hidden and ("trained" in large.hidden or "trained" in total.hidden)


def test_the_second_hidden_cell_is_one_its_own_row_does_not_pin():
    small, all_trained, some_trained = row(1, 0, 0, 0, 0, label="1"), row(5, 5, 0, 0, 0, label="2"), row(9, 2, 0, 0, 0)
    total = row(15, 7, 0, 0, 0)

    suppress_small_cells([[small, all_trained, some_trained]], total)

    # Hiding batch 2's 5 would not do: it has 5 trained, so it is 5, and the total then gives batch 1's 1.
    assert "enrolled" in some_trained.hidden and "enrolled" not in all_trained.hidden


def test_the_other_table_cannot_give_away_a_total_hidden_for_one_table():
    batches = [row(10, 3, 0, 0, 0, label="1"), row(10, 8, 0, 0, 0, label="2")]
    sites = [row(12, 6, 0, 0, 0, label="Wonosobo"), row(8, 5, 0, 0, 0, label="Gempol")]
    total = row(20, 11, 0, 0, 0)

    suppress_small_cells([batches, sites], total)

    for table in (batches, sites):
        hidden = sum("trained" in r.hidden for r in [*table, total])
        assert hidden != 1


def test_nothing_is_hidden_where_no_count_is_small():
    batches = [row(30, 24, 20, 15, 5, label="1"), row(28, 20, 10, 5, 5, label="2")]
    sites = [row(58, 44, 30, 20, 10, label="Wonosobo")]
    total = row(58, 44, 30, 20, 10)

    suppress_small_cells([batches, sites], total)

    assert [r.hidden for r in (*batches, *sites, total)] == [NOTHING] * 4


def random_partition(rng, people: list[tuple], parts: int) -> list[ReportRow]:
    rows = [row(0, 0, 0, 0, 0, label=str(n)) for n in range(parts)]
    for person in people:
        target = rows[rng.randrange(parts)]
        for name, counted in zip((*COUNTS, "enrolled_finished"), person, strict=True):
            setattr(target, name, getattr(target, name) + counted)
    return [r for r in rows if r.enrolled]


def test_in_many_random_reports_every_row_and_every_column_is_protected():
    rng = random.Random(12)
    # A person: enrolled, trained, followed up, left, still there, in a finished batch.
    kinds = [(1, 0, 0, 0, 0, 0), (1, 0, 0, 0, 0, 1), (1, 1, 0, 0, 0, 1), (1, 1, 1, 1, 0, 1), (1, 1, 1, 0, 1, 1)]
    for _report in range(300):
        people = [rng.choice(kinds) for _ in range(rng.randrange(1, 60))]
        batches, sites = random_partition(rng, people, rng.randrange(1, 5)), random_partition(rng, people, 5)
        total = row(*(sum(column) for column in zip(*people, strict=True)))

        suppress_small_cells([batches, sites], total)

        for r in (*batches, *sites, total):
            assert r.hidden == hidden_figures(r.counts, r.hidden)
            assert {name for name in COUNTS if 0 < getattr(r, name) < SMALL_CELL} <= r.hidden
        for table, name in itertools.product((batches, sites), COUNTS):
            assert sum(name in r.hidden for r in [*table, total]) != 1
