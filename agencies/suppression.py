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
5. A rate's cell holds three counts of people, each additive over the same relations, never negative, and known
   to a reader of the published cells: those who did (its numerator), those counted (its base) and those who
   did not (the complement, base - numerator); it is primary when any of them is small. The equations alone are
   the same in each, so one pattern would protect all three; but each has its own zeros, and non-negativity
   reads them: nobody in a row completed (a published numerator of 0) pins the numerators of that row's hidden
   cells at 0, and with them a small numerator in their columns ("2 of 3 completed"), though the bases stay
   open. So the exact step solves the joint system: the unknowns are each hidden cell's numerator and
   complement (the base is their sum, and 0 <= numerator <= base is both >= 0); the relations hold in each, so
   it splits into one system per `layers` entry, each with its own hidden zeros counted as published (3. and 4.
   per layer; 2. too: a relation whose hidden members are all 0 in a layer but one gives that one away there).
   A cell is pinned when any of its non-zero counts is: a numerator or a complement in its own layer, a base
   only when both are. The argument of 4. holds per layer (the true table plus or minus a little of one layer's
   free direction, the other unchanged, stays non-negative in both), so the check is exact for rates too. A
   cell pinned in a layer is freed by a partner non-zero in that layer; cells non-zero in every layer first, as
   they free all at once. Averages (days or Rupiah per person) are protected through their bases, the people,
   given as `values`; with one layer, every choice is the one the counts alone would make.

What this does not cover: differences between tables read with different filters (January to March minus January
to February); a page publishes one filter's tables, and each table is protected as a whole with its hierarchy.
"""

from __future__ import annotations

import functools
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
    layers: Mapping[str, Mapping[Hashable, int]] | None = None,
) -> dict[Hashable, str]:
    """The cells to hide, each with why (PRIMARY or SECONDARY): every `primary` cell, and enough others that no
    hidden cell is determined, in any of its layers, by the published cells and `relations`.

    `layers`: the counts of people each cell holds, by name, each additive over `relations` and never negative (a
    rate's numerator and complement: 5. above); by default `values` is the only one. `values` are used to choose
    which cell to hide beside another (the smallest that moves). `elsewhere`: cells not in the table but published
    beside it (a province's totals on the province's page), counted as published and chosen to hide (not to
    publish there either) only when no other member of their relation can be.
    """
    layers = [values] if layers is None else list(layers.values())
    hidden = dict.fromkeys(primary, PRIMARY)
    elsewhere = frozenset(elsewhere)
    totals = {}
    for relation in relations:
        totals[relation.total] = totals.get(relation.total, 0) + 1
    of_cell: dict[Hashable, list[Relation]] = {}
    for relation in relations:
        for member in relation.members:
            of_cell.setdefault(member, []).append(relation)

    def zeros(cell, among: list) -> int:
        if len(among) == 1:  # the common case, without a generator per cell
            return 0 if among[0].get(cell, 0) else 1
        return sum(not layer.get(cell, 0) for layer in among)

    def best_partner(relation: Relation, needed: list, *, zero: bool = True) -> Hashable | None:
        # Never a 0 in the layers `needed` (4. above): non-negativity gives it away whenever the rest of its
        # relation is known, and then the cell it stood beside. A relation whose hidden member is non-zero in a
        # layer always has another member non-zero there (a total is at least each part, a non-zero total has a
        # non-zero part); `zero` only for values that do not add up, so that a relation is never left with one
        # hidden member.
        candidates = [m for m in relation.members if m not in hidden and zeros(m, needed) < len(needed)]
        if not candidates and zero:
            candidates = [m for m in relation.members if m not in hidden]
        if not candidates:
            return None
        # The table's own cells before those published elsewhere, cells before totals, then the smallest: the
        # least lost to readers. Ties by position, so the same table always hides the same cells.
        order = {m: n for n, m in enumerate(relation.members)}
        if len(layers) == 1:  # counts: every candidate is as non-zero as the others
            return min(candidates, key=lambda m: (m in elsewhere, totals.get(m, 0), values.get(m, 0), order[m]))
        # Before all that, non-zero in every layer needed; after the table's own cells, non-zero in every layer (a
        # cell that frees all at once).
        return min(
            candidates,
            key=lambda m: (
                zeros(m, needed),
                m in elsewhere,
                zeros(m, layers),
                totals.get(m, 0),
                values.get(m, 0),
                order[m],
            ),
        )

    while True:
        _close_lone_hidden(relations, hidden, layers, best_partner)
        # Layer by layer; a hidden 0 counts as published in its layer (4. above): the equations alone would count
        # it as freedom it lacks.
        for layer in layers:
            pinned = determined([cell for cell in hidden if layer.get(cell, 0)], relations)
            if pinned:
                break
        else:
            return hidden
        freeing = functools.partial(best_partner, needed=[layer], zero=False)
        partner = _nearest_partner(min(pinned, key=repr), of_cell, hidden, freeing)
        if partner is None:  # every cell linked to the pinned one is hidden: nothing is published to free it
            return hidden
        hidden[partner] = SECONDARY


def _nearest_partner(cell, of_cell: dict, hidden: dict, best_partner):
    """A published cell to hide so that `cell`, pinned, may move: in the relation nearest to it (its own first,
    those with the fewest hidden members first, then those of the hidden cells it is linked to) where
    `best_partner` finds one (non-zero in the layer `cell` is pinned in)."""
    seen_cells, seen_relations, frontier = {cell}, set(), [cell]
    while frontier:
        relations = [r for c in frontier for r in of_cell.get(c, ()) if id(r) not in seen_relations]
        relations.sort(key=lambda r: sum(m in hidden for m in r.members))
        next_frontier = []
        for relation in relations:
            seen_relations.add(id(relation))
            # Past a relation whose published members are all 0 in that layer: hiding one would free nothing there
            # (4. above).
            partner = best_partner(relation)
            if partner is not None:
                return partner
            for member in relation.members:
                if member not in seen_cells:
                    seen_cells.add(member)
                    next_frontier.append(member)
        frontier = next_frontier
    return None


def _close_lone_hidden(relations: Sequence[Relation], hidden: dict, layers: list, best_partner) -> None:
    # Until no relation has exactly one hidden member, nor, in a layer, exactly one hidden member non-zero there
    # (the other hidden ones are 0 there, as good as published: 4.): hide a partner beside each lone one. Each
    # is pinned, and this finds it without solving anything.
    changed = True
    while changed:
        changed = False
        for relation in relations:
            members = [member for member in relation.members if member in hidden]
            if not members:
                continue
            partner = None
            if len(members) == 1:
                # It must move in every layer it is non-zero in.
                needed = [layer for layer in layers if layer.get(members[0], 0)] or layers
                partner = best_partner(relation, needed)
            elif len(layers) > 1:  # one layer: no 0 is hidden beside another cell (4.), so none is lone there
                for layer in layers:
                    if sum(1 for member in members if layer.get(member, 0)) == 1:
                        partner = best_partner(relation, [layer], zero=False)
                        if partner is not None:
                            break
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
