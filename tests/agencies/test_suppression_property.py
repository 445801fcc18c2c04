"""Suppression holds (issue 17): for random tables, with totals and a district -> province hierarchy, no hidden
cell can be worked out from what is published.

The checks are the test's own, independent of agencies.suppression's: what a reader knows is every published
cell and every relation (total = sum of parts). A hidden cell is safe when
1. the linear system leaves it open: its unit vector is not in the row space of the relations restricted to the
   hidden cells (exact rank, fractions.Fraction, dense Gaussian elimination); and
2. a small count can really take another value: over all non-negative solutions of the published system, its
   largest or its smallest value differs from its true one (an exact simplex, Bland's rule). Checked for the small
   counts, the ones suppression protects: a 0 hidden beside them may be pinned at 0 by the others being 0 too, and
   "nobody" is not a person to protect (0 is shown wherever it is not hidden for a small cell's sake).
Rates the same over their numerators, bases and complements together (below)."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agencies.suppression import Relation, is_small, suppress

K = 5


def _rank(matrix: list[list[Fraction]]) -> int:
    rows = [list(row) for row in matrix]
    rank, width = 0, len(rows[0]) if rows else 0
    for column in range(width):
        pivot = next((i for i in range(rank, len(rows)) if rows[i][column] != 0), None)
        if pivot is None:
            continue
        rows[rank], rows[pivot] = rows[pivot], rows[rank]
        for i in range(len(rows)):
            if i != rank and rows[i][column] != 0:
                factor = rows[i][column] / rows[rank][column]
                rows[i] = [a - factor * b for a, b in zip(rows[i], rows[rank], strict=True)]
        rank += 1
    return rank


def _system(values: dict, relations: list[Relation], hidden: set) -> tuple[list, list[list[Fraction]], list[Fraction]]:
    """The unknowns (hidden cells), and the published system A y = b over them."""
    unknowns = sorted(hidden, key=repr)
    index = {cell: n for n, cell in enumerate(unknowns)}
    matrix, constants = [], []
    for relation in relations:
        row, constant = [Fraction(0)] * len(unknowns), Fraction(0)
        for member, coefficient in ((relation.total, 1), *((part, -1) for part in relation.parts)):
            if member in index:
                row[index[member]] += coefficient
            else:
                constant -= coefficient * values[member]
        if any(row):
            matrix.append(row)
            constants.append(constant)
    return unknowns, matrix, constants


def determined_cells(values, relations, hidden) -> set:
    unknowns, matrix, _constants = _system(values, relations, hidden)
    if not matrix:
        return set()
    rank = _rank(matrix)
    pinned = set()
    for n, cell in enumerate(unknowns):
        unit = [Fraction(int(m == n)) for m in range(len(unknowns))]
        if _rank([*matrix, unit]) == rank:
            pinned.add(cell)
    return pinned


def _minus(row, factor, other):
    # row - factor * other, skipping other's zeros (most of it: each relation names few hidden cells)
    return [a - factor * b if b else a for a, b in zip(row, other, strict=True)]


class _Simplex:
    """max objective·y subject to matrix·y = constants, y >= 0 (feasible by construction): an exact simplex over
    the rationals, Bland's rule, the reduced costs kept as a row of the tableau. Phase 1 (a feasible basis) once
    per system, phase 2 per objective."""

    def __init__(self, matrix, constants):
        self.m, self.n = len(matrix), len(matrix[0])
        m, n = self.m, self.n
        self.rows = []
        for row, constant in zip(matrix, constants, strict=True):
            sign = -1 if constant < 0 else 1
            artificial = [Fraction(int(i == len(self.rows))) for i in range(m)]
            self.rows.append([sign * a for a in row] + artificial + [sign * constant])
        self.basis = [n + i for i in range(m)]
        # phase 1: maximise minus the artificials' sum, driving them out
        self.costs = [sum(row[j] for row in self.rows) if j < n else Fraction(0) for j in range(n + m + 1)]
        self._run(n + m)
        for i in range(m):
            if self.basis[i] >= n:
                entering = next((j for j in range(n) if self.rows[i][j] != 0), None)
                if entering is not None:
                    self._pivot(i, entering)
        self.feasible = ([list(row) for row in self.rows], list(self.basis))

    def _pivot(self, r, c):
        rows = self.rows
        rows[r] = [a / rows[r][c] for a in rows[r]]
        for i in range(self.m):
            if i != r and rows[i][c] != 0:
                rows[i] = _minus(rows[i], rows[i][c], rows[r])
        if self.costs[c] != 0:
            self.costs = _minus(self.costs, self.costs[c], rows[r])
        self.basis[r] = c

    def _run(self, allowed: int) -> bool:
        # Columns below `allowed` may enter. False when the objective is unbounded.
        while True:
            entering = next((j for j in range(allowed) if self.costs[j] > 0), None)
            if entering is None:
                return True
            rows = self.rows
            ratios = [
                (rows[i][-1] / rows[i][entering], self.basis[i], i) for i in range(self.m) if rows[i][entering] > 0
            ]
            if not ratios:
                return False
            self._pivot(min(ratios)[2], entering)

    def maximum(self, objective) -> Fraction | None:
        """None when unbounded."""
        rows, self.basis = [list(row) for row in self.feasible[0]], list(self.feasible[1])
        self.rows = rows
        full = [*objective, *[Fraction(0)] * (self.m + 1)]
        costed = [i for i in range(self.m) if self.basis[i] < self.n and objective[self.basis[i]]]
        self.costs = [full[j] - sum(objective[self.basis[i]] * rows[i][j] for i in costed) for j in range(len(full))]
        if not self._run(self.n):
            return None
        return sum(objective[j] * self.rows[i][-1] for i, j in enumerate(self.basis) if j < self.n)

    def moves(self, objective, true) -> bool:
        """Whether objective·y takes a value other than `true` over the solutions: up first, down only when not."""
        up = self.maximum(objective)
        if up is None or up > true:
            return True
        return -self.maximum([-a for a in objective]) < true


def unmovable(values, relations, hidden, cells) -> set:
    """Those of `cells` (hidden) that take no other value in any non-negative solution of the published system."""
    unknowns, matrix, constants = _system(values, relations, hidden)
    if not matrix:
        return set()
    simplex = _Simplex(matrix, constants)
    units = {cell: [Fraction(int(m == n)) for m in range(len(unknowns))] for n, cell in enumerate(unknowns)}
    return {cell for cell in cells if not simplex.moves(units[cell], values[cell])}


def movable(values, relations, hidden, cell) -> bool:
    """Whether `cell` takes another value in some non-negative solution of the published system."""
    return not unmovable(values, relations, hidden, [cell])


# The tables: rows x columns of counts, small and large, with row, column and grand totals; optionally the rows
# grouped in provinces whose totals are published elsewhere: counted as published unless hidden here too.

counts = st.one_of(st.just(0), st.integers(1, K - 1), st.integers(K, 60))


@st.composite
def tables(draw, cells=counts, add=sum):
    """values of every cell and total (`add` sums a list of cell values), relations, and the totals published
    elsewhere (the provinces')."""
    n_rows, n_columns = draw(st.integers(1, 5)), draw(st.integers(1, 3))
    grid = {(r, c): draw(cells) for r in range(n_rows) for c in range(n_columns)}
    groups = draw(st.one_of(st.none(), st.lists(st.integers(0, 2), min_size=n_rows, max_size=n_rows)))
    values = {("cell", r, c): v for (r, c), v in grid.items()}
    relations, fixed = [], set()
    for r in range(n_rows):
        values[("row", r)] = add(grid[r, c] for c in range(n_columns))
        relations.append(Relation(("row", r), tuple(("cell", r, c) for c in range(n_columns))))
    for c in range(n_columns):
        values[("col", c)] = add(grid[r, c] for r in range(n_rows))
        relations.append(Relation(("col", c), tuple(("cell", r, c) for r in range(n_rows))))
    values[("all",)] = add(grid.values())
    relations.append(Relation(("all",), tuple(("row", r) for r in range(n_rows))))
    relations.append(Relation(("all",), tuple(("col", c) for c in range(n_columns))))
    if groups is not None:
        for g in set(groups):
            members = [r for r in range(n_rows) if groups[r] == g]
            for c in range(n_columns):
                values[("prov", g, c)] = add(grid[r, c] for r in members)
                relations.append(Relation(("prov", g, c), tuple(("cell", r, c) for r in members)))
                fixed.add(("prov", g, c))
            values[("provrow", g)] = add(values[("row", r)] for r in members)
            relations.append(Relation(("provrow", g), tuple(("row", r) for r in members)))
            relations.append(Relation(("provrow", g), tuple(("prov", g, c) for c in range(n_columns))))
            fixed.add(("provrow", g))
        for c in range(n_columns):
            relations.append(Relation(("col", c), tuple(("prov", g, c) for g in set(groups))))
    return values, relations, fixed


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables())
def test_no_hidden_cell_can_be_worked_out_from_what_is_published(table):
    values, relations, fixed = table
    primary = {cell for cell, value in values.items() if is_small(value, K)}

    hidden = suppress(values, relations, primary=primary, elsewhere=fixed)

    assert primary <= hidden.keys()
    assert determined_cells(values, relations, hidden.keys()) == set()
    assert unmovable(values, relations, hidden.keys(), primary) == set()


@settings(max_examples=100, deadline=None)
@given(st.lists(counts, min_size=2, max_size=6))
def test_a_row_with_its_total_never_has_one_hidden_cell(row):
    # whole = part + rest: with its total published, one hidden part would be the total minus the others.
    cells = {("cell", n): v for n, v in enumerate(row)}
    values = {**cells, ("all",): sum(row)}
    relations = [Relation(("all",), tuple(cells))]

    hidden = suppress(values, relations, primary={c for c, v in values.items() if is_small(v, K)})

    assert len(hidden) != 1
    assert determined_cells(values, relations, hidden.keys()) == set()


def test_a_small_total_hidden_beside_a_row_of_zeros_is_not_recovered_through_non_negative_counts():
    # Found by the property test above (shrunk by hand). Given
    #     0 0 0 | 0
    #     1 4 0 | 5
    #     0 0 1 | 1
    #     0 0 1 | 1
    #     1 4 2 | 7
    # the 2 of column 3 was hidden beside the 0 of the first row, and that 0 beside the row's other 0: the
    # equations left column 3 open (it is 2 plus that 0), but the first row's total is a published 0, so both
    # hidden 0s are 0 and column 3 is 7 - 5 - 0 = 2 again. A reader knows counts are never negative.
    grid = [[0, 0, 0], [1, 4, 0], [0, 0, 1], [0, 0, 1]]
    values = {("cell", r, c): v for r, row in enumerate(grid) for c, v in enumerate(row)}
    relations = [Relation(("row", r), tuple(("cell", r, c) for c in range(3))) for r in range(4)]
    relations += [Relation(("col", c), tuple(("cell", r, c) for r in range(4))) for c in range(3)]
    relations += [
        Relation(("all",), tuple(("row", r) for r in range(4))),
        Relation(("all",), (("col", 0), ("col", 1), ("col", 2))),
    ]
    values.update({("row", r): sum(row) for r, row in enumerate(grid)})
    values.update({("col", c): sum(row[c] for row in grid) for c in range(3)})
    values[("all",)] = sum(map(sum, grid))
    primary = {cell for cell, value in values.items() if is_small(value, K)}

    hidden = suppress(values, relations, primary=primary)

    assert determined_cells(values, relations, hidden.keys()) == set()
    assert all(movable(values, relations, hidden.keys(), cell) for cell in primary)
    # and no 0 is hidden for it: a hidden 0 whose row adds up to a published 0 protects nothing
    assert not [cell for cell in hidden if values[cell] == 0]


# Rates (a training's completion: of `base` people enrolled, `num` completed): every cell and total has a numerator
# and a base, both additive over the same relations, and a reader of a published rate knows both. The unknowns are
# each hidden cell's numerator and base; its complement (those who did not) is base - numerator. Counts of people
# are never negative in any of the three, and a hidden cell is safe only when none of its non-zero quantities is
# determined, even by a reader who knows every hidden 0 (of any layer): checked on the joint system, with the
# links between the layers as equations, not layer by layer.

QUANTITIES = ("num", "base", "comp")


def _quantities(num: int, base: int) -> dict[str, int]:
    return {"num": num, "base": base, "comp": base - num}


def _joint_system(values: dict, relations: list[Relation], hidden: set):
    """Unknowns (num, cell) and (base, cell) per hidden cell; the published system's rows over them, one per
    relation and layer (numerator, base), and the hidden zeros as rows of their own (num = 0, base = 0, or
    base - num = 0 for a complement of 0). Constants left out: only the row space matters."""
    cells = sorted(hidden, key=repr)
    index = {(layer, cell): n for n, (layer, cell) in enumerate((layer, c) for c in cells for layer in ("num", "base"))}
    width = len(index)
    matrix = []
    for relation in relations:
        for layer in ("num", "base"):
            row = [Fraction(0)] * width
            for member, coefficient in ((relation.total, 1), *((part, -1) for part in relation.parts)):
                if member in hidden:
                    row[index[layer, member]] += coefficient
            if any(row):
                matrix.append(row)
    zeros = []
    for cell in cells:
        for quantity, value in _quantities(*values[cell]).items():
            if value == 0:
                zeros.append(_functional(index, width, cell, quantity))
    return cells, index, width, matrix, zeros


def _functional(index, width, cell, quantity) -> list[Fraction]:
    row = [Fraction(0)] * width
    if quantity in ("num", "comp"):
        row[index["num", cell]] = Fraction(1 if quantity == "num" else -1)
    if quantity in ("base", "comp"):
        row[index["base", cell]] = Fraction(1)
    return row


def _echelon(matrix: list[list[Fraction]]) -> list[tuple[int, list[Fraction]]]:
    """The rows of a reduced row echelon form, each with its pivot column."""
    basis: list[tuple[int, list[Fraction]]] = []
    for original in matrix:
        row = _reduced(basis, original)
        pivot = next((j for j, a in enumerate(row) if a != 0), None)
        if pivot is None:
            continue
        row = [a / row[pivot] for a in row]
        basis = [(p, _minus(b, b[pivot], row) if b[pivot] else b) for p, b in basis]
        basis.append((pivot, row))
    return basis


def _reduced(basis, vector):
    row = list(vector)
    for pivot, basis_row in basis:
        if row[pivot] != 0:
            row = _minus(row, row[pivot], basis_row)
    return row


def determined_quantities(values, relations, hidden) -> set:
    """(cell, quantity) of each hidden cell's non-zero quantity that lies in the row space of the joint system."""
    cells, index, width, matrix, zeros = _joint_system(values, relations, set(hidden))
    basis = _echelon([*matrix, *zeros])
    pinned = set()
    for cell in cells:
        for quantity, value in _quantities(*values[cell]).items():
            if value and not any(_reduced(basis, _functional(index, width, cell, quantity))):
                pinned.add((cell, quantity))
    return pinned


def rate_unmovable(values, relations, hidden, wanted) -> set:
    """Those (cell, quantity) of `wanted` that take no other value over the non-negative solutions: variables num
    and comp (>= 0) per hidden cell, base = num + comp, so that 0 <= num <= base."""
    cells = sorted(hidden, key=repr)
    index = {(layer, c): n for n, (layer, c) in enumerate((layer, c) for c in cells for layer in ("num", "comp"))}
    matrix, constants = [], []
    for relation in relations:
        for position, layers in enumerate((("num",), ("num", "comp"))):
            row, constant = [Fraction(0)] * len(index), Fraction(0)
            for member, coefficient in ((relation.total, 1), *((part, -1) for part in relation.parts)):
                if member in hidden:
                    for layer in layers:
                        row[index[layer, member]] += coefficient
                else:
                    constant -= coefficient * values[member][position]
            if any(row):
                matrix.append(row)
                constants.append(constant)
    if not matrix:
        return set()
    simplex = _Simplex(matrix, constants)
    stuck = set()
    for cell, quantity in wanted:
        objective = [Fraction(0)] * len(index)
        for layer in {"num": ("num",), "comp": ("comp",), "base": ("num", "comp")}[quantity]:
            objective[index[layer, cell]] = Fraction(1)
        if not simplex.moves(objective, _quantities(*values[cell])[quantity]):
            stuck.add((cell, quantity))
    return stuck


@st.composite
def rate_cells(draw):
    base = draw(counts)
    # Numerators and complements of 0 and of a few people often: they are what non-negativity can pin.
    num = draw(
        st.one_of(
            st.just(0),
            st.just(base),
            st.integers(0, min(base, K - 1)),
            st.integers(max(0, base - K + 1), base),
            st.integers(0, base),
        )
    )
    return num, base


def rate_tables():
    return tables(cells=rate_cells(), add=_add_rates)


def _add_rates(values):
    values = list(values)
    return (sum(n for n, _b in values), sum(b for _n, b in values))


def suppress_rates(values, relations, *, primary, elsewhere=()):
    # As agencies.figures calls it: the bases to choose from, the numerators and complements as layers.
    return suppress(
        {cell: base for cell, (_num, base) in values.items()},
        relations,
        primary=primary,
        elsewhere=elsewhere,
        layers={
            "completed": {cell: num for cell, (num, _base) in values.items()},
            "did not": {cell: base - num for cell, (num, base) in values.items()},
        },
    )


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rate_tables())
def test_no_hidden_rate_can_be_worked_out_in_any_layer(table):
    values, relations, fixed = table
    primary = {cell for cell, (num, base) in values.items() if any(is_small(q, K) for q in (num, base, base - num))}

    hidden = suppress_rates(values, relations, primary=primary, elsewhere=fixed)

    assert primary <= hidden.keys()
    small = [(cell, q) for cell in primary for q, value in _quantities(*values[cell]).items() if is_small(value, K)]
    assert rate_unmovable(values, relations, hidden.keys(), small) == set()
    assert determined_quantities(values, relations, hidden.keys()) == set()


def test_a_small_numerator_hidden_beside_a_row_nobody_completed_is_not_recovered_through_non_negative_counts():
    # Of 3 enrolled, 2 completed: hidden (3 is few). Given (completed, enrolled)
    #     (2, 3)   (10, 20) | (12, 23)
    #     (0, 10)  (0, 12)  | (0, 22)
    #     (20, 30) (20, 30) | (40, 60)
    #     (22, 43) (30, 62) | (52, 105)
    # choosing by the bases alone hid the 2x2 of the first two rows: the bases stay open, but nobody in the second
    # row completed (its published total is 0 of 22), so both its hidden numerators are 0, and the first column's
    # 22 completed less the 20 shown is 2 again. A reader knows nobody is fewer than 0.
    grid = [[(2, 3), (10, 20)], [(0, 10), (0, 12)], [(20, 30), (20, 30)]]
    values = {("cell", r, c): v for r, row in enumerate(grid) for c, v in enumerate(row)}
    relations = [Relation(("row", r), tuple(("cell", r, c) for c in range(2))) for r in range(3)]
    relations += [Relation(("col", c), tuple(("cell", r, c) for r in range(3))) for c in range(2)]
    relations += [
        Relation(("all",), tuple(("row", r) for r in range(3))),
        Relation(("all",), (("col", 0), ("col", 1))),
    ]
    values.update({("row", r): _add_rates(row) for r, row in enumerate(grid)})
    values.update({("col", c): _add_rates(row[c] for row in grid) for c in range(2)})
    values[("all",)] = _add_rates(v for row in grid for v in row)
    primary = {cell for cell, (num, base) in values.items() if any(is_small(q, K) for q in (num, base, base - num))}
    assert primary == {("cell", 0, 0)}

    hidden = suppress_rates(values, relations, primary=primary)

    small = [(("cell", 0, 0), quantity) for quantity in QUANTITIES]
    assert rate_unmovable(values, relations, hidden.keys(), small) == set()
    assert determined_quantities(values, relations, hidden.keys()) == set()
    # hidden beside it: the third row, where people completed and people did not, as many cells as before
    assert hidden.keys() == {("cell", 0, 0), ("cell", 0, 1), ("cell", 2, 0), ("cell", 2, 1)}
