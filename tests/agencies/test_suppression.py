"""Suppression by example (agencies.suppression): the patterns a reader of a table can work out by hand."""

from agencies.suppression import PRIMARY, SECONDARY, Relation, determined, is_small, rounded, suppress

K = 5


def table(grid: list[list[int]]):
    """A table's cells, row, column and grand totals, and the relations between them."""
    values, relations = {}, []
    for r, row in enumerate(grid):
        for c, value in enumerate(row):
            values[("cell", r, c)] = value
        values[("row", r)] = sum(row)
        relations.append(Relation(("row", r), tuple(("cell", r, c) for c in range(len(row)))))
    for c in range(len(grid[0])):
        values[("col", c)] = sum(row[c] for row in grid)
        relations.append(Relation(("col", c), tuple(("cell", r, c) for r in range(len(grid)))))
    values[("all",)] = sum(map(sum, grid))
    relations.append(Relation(("all",), tuple(("row", r) for r in range(len(grid)))))
    return values, relations


def hidden_of(values, relations, **options):
    return suppress(values, relations, primary=[c for c, v in values.items() if is_small(v, K)], **options)


def test_small_counts_are_hidden_and_zero_and_large_ones_shown():
    values, relations = table([[0, 20], [30, 40]])

    assert hidden_of(values, relations) == {}


def test_a_lone_small_cell_in_a_row_takes_a_second_cell_of_its_row_and_of_its_column():
    # given 3 beside 20 and 30: with the row total shown, 3 would be 53 - 20 - 30
    values, relations = table([[3, 20, 30], [40, 50, 60]])

    hidden = hidden_of(values, relations)

    assert hidden[("cell", 0, 0)] == PRIMARY
    # the smallest other cell of its row, and of its column, hidden with it: a 2x2 pattern
    assert {key for key, why in hidden.items() if why == SECONDARY} == {
        ("cell", 0, 1),
        ("cell", 1, 0),
        ("cell", 1, 1),
    }
    assert determined(hidden, relations) == set()


def test_two_small_cells_of_one_row_are_protected_along_their_columns_too():
    values, relations = table([[2, 3, 30], [40, 50, 60]])

    hidden = hidden_of(values, relations)

    assert {("cell", 0, 0), ("cell", 0, 1)} <= hidden.keys()
    assert determined(hidden, relations) == set()


def test_the_2x2_pattern_leaves_every_hidden_cell_open():
    values, relations = table([[3, 20], [40, 50]])

    hidden = hidden_of(values, relations)

    assert {("cell", 0, 0), ("cell", 0, 1), ("cell", 1, 0), ("cell", 1, 1)} <= hidden.keys()
    assert determined(hidden, relations) == set()


def test_a_small_row_total_is_hidden_with_its_cells():
    values, relations = table([[1, 2], [40, 50]])

    hidden = hidden_of(values, relations)

    assert hidden[("row", 0)] == PRIMARY
    assert determined(hidden, relations) == set()


def test_the_province_total_published_elsewhere_cannot_give_a_district_away():
    # given two provinces: 33 with districts 3 and 40, 35 with 50 and 60; each province's total is published
    values = {"33.01": 3, "33.02": 40, "35.01": 50, "35.02": 60, "33": 43, "35": 110, "all": 153}
    relations = [
        Relation("33", ("33.01", "33.02")),
        Relation("35", ("35.01", "35.02")),
        Relation("all", ("33", "35")),
        Relation("all", ("33.01", "33.02", "35.01", "35.02")),
    ]

    hidden = suppress(values, relations, primary=["33.01"], elsewhere=["33", "35"])

    # then the second cell hidden is in the same province (43 - 40 would give the 3 away otherwise), and the
    # province totals stay published
    assert hidden.keys() == {"33.01", "33.02"}
    assert determined(hidden, relations) == set()


def test_three_relations_over_three_hidden_cells_pin_them_all_and_more_is_hidden():
    # x + y, y + z and x + z published: each relation has two hidden members, yet x, y and z are all determined
    values = {"x": 2, "y": 30, "z": 40, "xy": 32, "yz": 70, "xz": 42, "w": 50, "xyw": 82}
    relations = [Relation("xy", ("x", "y")), Relation("yz", ("y", "z")), Relation("xz", ("x", "z"))]
    assert determined({"x", "y", "z"}, relations) == {"x", "y", "z"}

    hidden = suppress(values, relations, primary=["x"])

    assert determined(hidden, relations) == set()


def test_rounding_to_a_base():
    assert [rounded(n, 5) for n in (0, 2, 3, 7, 8, 12)] == [0, 0, 5, 5, 10, 10]
    assert rounded(7, 0) == 7
