"""Suppression that holds (issue 17): which cells of a published set of figures to hide so that no count of fewer
than k people can be read or worked out from what is shown.

Generic: a set of cells (any hashable keys) with their counts of people, and the additive relations that hold
between them (`Relation(total, parts)`: total = sum of parts), e.g. a row total and its row, a column total and
its column, a province's total and its districts, a national total and its provinces. Whoever reads the published
cells knows every relation, so a hidden cell is safe only when the published cells and the relations leave its
value open.

1. Primary: counts 1..k-1 are hidden (0 stays shown: "nobody" is not a person to protect).
2. Secondary: a relation with exactly one hidden member gives it away (the total minus the others), so another
   member is hidden with it: the smallest non-zero cell that is not itself a total, else the smallest non-zero
   total; a total published elsewhere (`elsewhere`: a province's total beside its districts) only when nothing
   else can.
3. That rule is not enough on its own: hidden cells can still be pinned by several relations together (a hidden
   cell joining two otherwise separate groups of hidden cells, or three relations over three cells). So the
   published system is then solved exactly (rational Gaussian elimination, per connected group of hidden cells),
   and for each hidden cell still determined one more member of its relations is hidden; until none is.
4. Counts are never negative, and a reader uses that too: a hidden 0 in a row whose total is 0 is 0, and a hidden
   small total whose other freedom ran through that 0 is pinned with it (a 0 row beside a column of 1 + 1: the
   column total is 2 though the equations alone leave it open). Whether a hidden 0 can move is a linear
   programme; instead a 0 is never hidden beside another cell, and a hidden cell whose value is 0 counts as
   published in the exact step. Then every unknown of the system is positive in the true table, so a hidden
   cell that the equations leave open moves both ways within the non-negative tables (the true one plus or
   minus a little of a free direction): the linear check is exact for non-negative counts too, with no linear
   programme to solve. A pinned cell can always be freed by a non-zero cell: were every non-zero cell of its
   group hidden, the system would be homogeneous, and the true table scaled a little up or down would move it.

Rates, averages and complements are protected by running the same pattern over their numerators and bases (a
cell is primary when its numerator, its base or their difference is small): the linear check depends only on which
cells are hidden and on the relations, so one pattern protects every additive layer from the equations; 4. is
exact for the layer given as `values` (the bases), while a numerator of 0 hidden in a rate's cell may still be
read as 0 from non-negativity (and what it pins with it).

What this does not cover: differences between tables read with different filters (January to March minus January
to February); a page publishes one filter's tables, and each table is protected as a whole with its hierarchy.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

PRIMARY = "primary"
SECONDARY = "secondary"


@dataclass(frozen=True)
class Relation:
    """`total` = sum of `parts`, as every reader of the table knows."""

    total: Hashable
    parts: tuple[Hashable, ...]

    @property
    def members(self) -> tuple[Hashable, ...]:
        return (self.total, *self.parts)


def is_small(count: int | None, k: int) -> bool:
    """A count of people too small to publish: 1..k-1 (0 and None are not)."""
    return count is not None and 0 < count < k


def suppress(
    values: Mapping[Hashable, int],
    relations: Sequence[Relation],
    *,
    primary: Iterable[Hashable],
    elsewhere: Iterable[Hashable] = (),
) -> dict[Hashable, str]:
    """The cells to hide, each with why (PRIMARY or SECONDARY): every `primary` cell, and enough others that no
    hidden cell is determined by the published cells (`values` minus the hidden) and `relations`.

    `values` are used to choose which cell to hide beside another (the smallest that moves). `elsewhere`: cells not
    in the table but published beside it (a province's totals on the province's page), counted as published and
    chosen to hide (not to publish there either) only when no other member of their relation can be.
    """
    hidden = dict.fromkeys(primary, PRIMARY)
    elsewhere = frozenset(elsewhere)
    totals = {}
    for relation in relations:
        totals[relation.total] = totals.get(relation.total, 0) + 1
    of_cell: dict[Hashable, list[Relation]] = {}
    for relation in relations:
        for member in relation.members:
            of_cell.setdefault(member, []).append(relation)

    def best_partner(relation: Relation, *, zero: bool = True) -> Hashable | None:
        # Never a 0 (4. above): non-negativity gives it away whenever the rest of its relation is known, and then
        # the cell it stood beside. A relation whose hidden member is non-zero always has a non-zero other member
        # (a total is at least each part, a non-zero total has a non-zero part); `zero` only for values that do
        # not add up, so that a relation is never left with one hidden member.
        candidates = [m for m in relation.members if m not in hidden and values.get(m, 0)]
        if not candidates and zero:
            candidates = [m for m in relation.members if m not in hidden]
        if not candidates:
            return None
        # The table's own cells before those published elsewhere, cells before totals, then the smallest: the
        # least lost to readers. Ties by position, so the same table always hides the same cells.
        order = {m: n for n, m in enumerate(relation.members)}
        return min(candidates, key=lambda m: (m in elsewhere, totals.get(m, 0), values.get(m, 0), order[m]))

    while True:
        _close_lone_hidden(relations, hidden, best_partner)
        # A hidden 0 counts as published (4. above): the equations alone would count it as freedom it lacks.
        pinned = determined([cell for cell in hidden if values.get(cell, 0)], relations)
        if not pinned:
            return hidden
        partner = _nearest_partner(min(pinned, key=repr), of_cell, hidden, best_partner)
        if partner is None:  # every cell linked to the pinned one is hidden: nothing is published to free it
            return hidden
        hidden[partner] = SECONDARY


def _nearest_partner(cell, of_cell: dict, hidden: dict, best_partner):
    """A published cell to hide so that `cell`, pinned, may move: in the relation nearest to it (its own first,
    those with the fewest hidden members first, then those of the hidden cells it is linked to) that has one."""
    seen_cells, seen_relations, frontier = {cell}, set(), [cell]
    while frontier:
        relations = [r for c in frontier for r in of_cell.get(c, ()) if id(r) not in seen_relations]
        relations.sort(key=lambda r: sum(m in hidden for m in r.members))
        next_frontier = []
        for relation in relations:
            seen_relations.add(id(relation))
            # Past a relation whose published members are all 0: hiding one would free nothing (4. above).
            partner = best_partner(relation, zero=False)
            if partner is not None:
                return partner
            for member in relation.members:
                if member not in seen_cells:
                    seen_cells.add(member)
                    next_frontier.append(member)
        frontier = next_frontier
    return None


def _close_lone_hidden(relations: Sequence[Relation], hidden: dict, best_partner) -> None:
    # Until no relation has exactly one hidden member: hide a partner beside each lone one.
    changed = True
    while changed:
        changed = False
        for relation in relations:
            if sum(member in hidden for member in relation.members) == 1:
                partner = best_partner(relation)
                if partner is not None:
                    hidden[partner] = SECONDARY
                    changed = True


def determined(hidden: Iterable[Hashable], relations: Sequence[Relation]) -> set[Hashable]:
    """The hidden cells whose value follows from the published ones and `relations` (exactly, over the rationals).

    Each relation restricted to the hidden cells is one linear equation (the published members move to its
    constant side). A hidden cell is determined when its unit vector lies in the equations' row space: in the
    reduced row echelon form, its pivot row holds no other unknown. Solved per connected group of hidden cells,
    which keeps each system as small as the cluster of hidden cells it describes.
    """
    hidden = set(hidden)
    equations = []
    for relation in relations:
        row: dict[Hashable, Fraction] = {}
        for member, coefficient in ((relation.total, 1), *((part, -1) for part in relation.parts)):
            if member in hidden:
                row[member] = row.get(member, 0) + Fraction(coefficient)
        row = {member: c for member, c in row.items() if c}
        if row:
            equations.append(row)
    pinned = set()
    for group in _connected(equations):
        pinned |= _pinned_by(group)
    return pinned


def _connected(equations: list[dict]) -> list[list[dict]]:
    # Union-find over the unknowns, each equation joining its own.
    parent: dict = {}

    def root(x):
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for row in equations:
        first, *rest = row
        for other in rest:
            parent[root(other)] = root(first)
    groups: dict = {}
    for row in equations:
        groups.setdefault(root(next(iter(row))), []).append(row)
    return list(groups.values())


def _pinned_by(equations: list[dict]) -> set:
    """The unknowns the equations determine: pivots whose fully reduced row holds nothing else."""
    pivots: dict[Hashable, dict] = {}  # pivot → its row, coefficient 1 there, no other pivot in it
    for equation in equations:
        row = dict(equation)
        for var in [v for v in row if v in pivots]:
            factor = row.get(var)
            if factor:
                _subtract(row, pivots[var], factor)
        if not row:
            continue  # a consequence of the equations before it
        var = min(row, key=repr)
        scale = row[var]
        row = {v: c / scale for v, c in row.items()}
        for other in pivots.values():
            factor = other.get(var)
            if factor:
                _subtract(other, row, factor)
        pivots[var] = row
    return {var for var, row in pivots.items() if len(row) == 1}


def _subtract(row: dict, other: dict, factor: Fraction) -> None:
    # row -= factor * other, dropping what becomes zero.
    for var, c in other.items():
        value = row.get(var, 0) - factor * c
        if value:
            row[var] = value
        else:
            row.pop(var, None)


def rounded(count: int, base: int) -> int:
    """`count` to the nearest multiple of `base` (halves up); unchanged when `base` is 0 (rounding off)."""
    if not base:
        return count
    return ((count + base // 2) // base) * base
