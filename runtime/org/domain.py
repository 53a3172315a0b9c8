"""Pure rules of the organisation: names, the tree's shape, sibling order. No database."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _

from ..accounts.domain import has_control_characters

NAME_MAX = 120


def name_errors(name: str, sibling_names: Iterable[str] = ()) -> list[str]:
    """Messages for a department name (required, short, unique among its siblings)."""
    name = (name or "").strip()
    if not name:
        return [_("Department name: required.")]
    if len(name) > NAME_MAX:
        return [_("Department name: at most %(max)d characters (got %(length)d).",
                  max=NAME_MAX, length=len(name))]
    if has_control_characters(name):
        return [_("Department name: line breaks and control characters are not allowed.")]
    if name.casefold() in {n.casefold() for n in sibling_names}:
        return [_("Department name: another department at this place is already called "
                  "%(name)s.", name=name)]
    return []


@dataclass
class TreeNode:
    """A department as the organisation page draws it."""

    id: int
    name: str
    parent_id: int | None
    archived: bool
    members: int = 0
    depth: int = 0
    children: list[TreeNode] = field(default_factory=list)

    def walk(self) -> Iterable[TreeNode]:
        """This node and every node below it, depth first."""
        yield self
        for child in self.children:
            yield from child.walk()


def build_tree(rows: Iterable[Any], counts: dict[int, int]) -> list[TreeNode]:
    """Nest departments (objects with id, name, parent_id, position, archived_at).

    Rows whose parent is missing (or hidden) become roots, so nothing vanishes.
    """
    ordered = sorted(rows, key=lambda d: (d.position, d.name.casefold(), d.id))
    nodes = {d.id: TreeNode(d.id, d.name, d.parent_id, d.archived_at is not None,
                            counts.get(d.id, 0)) for d in ordered}
    roots: list[TreeNode] = []
    for d in ordered:
        parent = nodes.get(d.parent_id) if d.parent_id is not None else None
        (parent.children if parent is not None else roots).append(nodes[d.id])
    _set_depths(roots, 0)
    return roots


def _set_depths(nodes: list[TreeNode], depth: int) -> None:
    for node in nodes:
        node.depth = depth
        _set_depths(node.children, depth + 1)


def flatten(roots: list[TreeNode]) -> list[TreeNode]:
    """Every node, depth first (for "move under…" select boxes with indentation)."""
    return [node for root in roots for node in root.walk()]


def insert_at(sibling_ids: list[int], moved_id: int, index: int | None) -> list[int]:
    """The sibling order after putting ``moved_id`` at ``index`` (None or too far: last)."""
    order = [i for i in sibling_ids if i != moved_id]
    if index is None or index > len(order):
        index = len(order)
    order.insert(max(0, index), moved_id)
    return order
