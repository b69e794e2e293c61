"""The codebook as a Textual ``Tree`` (codebook screen and coding view).

``CodeTree`` cuts labels that do not fit the pane with "…" (Textual's tree cuts them
silently); ``fill_code_tree`` adds every code under its parent.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from rich.style import Style
from rich.text import Text
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from qualcode.models import Code


class CodeTree(Tree[int]):
    """A tree of codes whose labels end in "…" when the pane is too narrow for them."""

    def __init__(self, label: str, *, id: str | None = None) -> None:
        super().__init__(label, id=id)
        self.show_root = False
        self.guide_depth = 2

    def render_label(self, node: TreeNode[int], base_style: Style, style: Style) -> Text:
        text = super().render_label(node, base_style, style)
        depth = 0
        parent = node.parent
        while parent is not None and parent is not self.root:
            depth += 1
            parent = parent.parent
        room = self.scrollable_content_region.width - depth * self.guide_depth - 1
        if room > 4 and text.cell_len > room:
            text.truncate(room, overflow="ellipsis")
        return text


def fill_code_tree(
    tree: Tree[int], codes: Iterable[Code], label: Callable[[Code], str | Text]
) -> dict[int, TreeNode[int]]:
    """Clear ``tree`` and add every code under its parent (orphans at the top), expanded.

    Returns the node of each code id, so a screen can move the cursor to a code.
    """
    codes = [c for c in codes if c.id is not None]
    known = {c.id for c in codes}
    by_parent: dict[int | None, list[Code]] = {}
    for c in codes:
        parent = c.parent_id if c.parent_id in known else None
        by_parent.setdefault(parent, []).append(c)
    nodes: dict[int, TreeNode[int]] = {}

    def add(node: TreeNode[int], parent: int | None) -> None:
        for c in by_parent.get(parent, []):
            assert c.id is not None
            kids = by_parent.get(c.id)
            child = (node.add if kids else node.add_leaf)(label(c), data=c.id)
            nodes[c.id] = child
            if kids:
                add(child, c.id)
                child.expand()

    tree.clear()
    add(tree.root, None)
    return nodes
