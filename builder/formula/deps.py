"""Dependencies between formulas, and the order to evaluate them in (with cycle detection)."""

from __future__ import annotations

from collections.abc import Mapping

from .errors import FormulaCycleError
from .nodes import FieldRef, Node, walk


def dependencies(node: Node) -> frozenset[str]:
    """The references a formula reads, as written: ``f_abc123`` or ``f_sub123.f_col456``."""
    return frozenset(n.key for n in walk(node) if isinstance(n, FieldRef))


def _edges(key: str, deps: frozenset[str], keys: Mapping[str, object]) -> list[str]:
    found = []
    for dep in sorted(deps):
        if dep in keys:
            found.append(dep)
        head = dep.partition(".")[0]
        if head != dep and head in keys:
            found.append(head)  # a column of a computed sub-table depends on the sub-table
    return found


def evaluation_order(formulas: Mapping[str, object]) -> list[str]:
    """Order formula keys so each comes after the formulas it reads.

    ``formulas`` maps a field id (or "sub.col") to a :class:`Formula` or a syntax tree;
    references to keys that are not formulas are ordinary inputs. Raises
    :class:`FormulaCycleError` naming the loop if formulas depend on each other.
    """
    graph = {key: _edges(key, _deps_of(value), formulas) for key, value in formulas.items()}
    done: set[str] = set()
    order: list[str] = []
    for root in graph:
        if root in done:
            continue
        path, on_path = [root], {root}
        pending = [iter(graph[root])]
        while pending:
            child = next(pending[-1], None)
            if child is None:
                finished = path.pop()
                on_path.discard(finished)
                pending.pop()
                done.add(finished)
                order.append(finished)
            elif child in on_path:
                start = path.index(child)
                raise FormulaCycleError((*path[start:], child))
            elif child not in done:
                path.append(child)
                on_path.add(child)
                pending.append(iter(graph[child]))
    return order


def _deps_of(value: object) -> frozenset[str]:
    found = getattr(value, "dependencies", None)
    if isinstance(found, frozenset):
        return found
    return dependencies(value)  # type: ignore[arg-type]
