"""Filling a Textual ``Tree`` with the codebook hierarchy (codebook screen and coding view)."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from rich.text import Text
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from qualcode.models import Code


def fill_code_tree(
    tree: Tree[int], codes: Iterable[Code], label: Callable[[Code], str | Text]
) -> dict[int, TreeNode[int]]:
    """Clear ``tree`` and add every code under its parent (orphans at the top), expanded.

    Returns the node of each code id, so a screen can move the cursor to a code.
    """
    codes = list(codes)
    known = {c.id for c in codes}
    by_parent: dict[int | None, list[Code]] = {}
    for c in codes:
        parent = c.parent_id if c.parent_id in known else None
        by_parent.setdefault(parent, []).append(c)
    nodes: dict[int, TreeNode[int]] = {}

    def add(node: TreeNode[int], parent: int | None) -> None:
        for c in by_parent.get(parent, []):
            kids = by_parent.get(c.id)
            child = (node.add if kids else node.add_leaf)(label(c), data=c.id)
            nodes[c.id] = child  # type: ignore[index]
            if kids:
                add(child, c.id)
                child.expand()

    tree.clear()
    add(tree.root, None)
    return nodes
