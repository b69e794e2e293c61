"""The codebook screen: the tree of codes with what each means and how much it is used.

Counts are hierarchical: an area shows its own codings plus those of every code under it
(the dashboard's figure); the detail pane gives both. Enter opens the code view
with every passage of the highlighted code across documents.

Edits go through ``qualcode.codebook_edit`` (one transaction each; merge and delete are
undoable with ctrl+z like coding actions).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.console import Group
from rich.text import Text
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Footer, Header, Static, Tree
from textual.widgets.tree import TreeNode

from qualcode import codebook_edit
from qualcode.codebook import CodeCount, all_codes, code_counts
from qualcode.memos import memo_counts
from qualcode.models import Code
from qualcode.tui.base import QualcodeScreen
from qualcode.tui.screens.code_view import CodeViewScreen
from qualcode.tui.widgets.code_picker import CodePicker, NewCode, PickableCode, pickable
from qualcode.tui.widgets.code_tree import CodeTree, fill_code_tree
from qualcode.tui.widgets.dialogs import Confirm, TextPrompt
from qualcode.tui.widgets.format import plural
from qualcode.tui.widgets.memo import edit_memo
from qualcode.visibility import visible_coder_filter

TOP_LEVEL = -1


class CodebookScreen(QualcodeScreen[None]):
    """Browse and edit the codebook."""

    BINDINGS = [
        Binding(
            "n", "add", "add", id="codebook.add", tooltip="Add a code under the highlighted one"
        ),
        Binding(
            "N",
            "add_top",
            "add top",
            show=False,
            id="codebook.add_top",
            tooltip="Add a top-level code",
        ),
        Binding("r", "rename", "rename", id="codebook.rename", tooltip="Rename (Danish label)"),
        Binding(
            "e",
            "rename_en",
            "english",
            show=False,
            id="codebook.rename_en",
            tooltip="Rename (English label)",
        ),
        Binding(
            "v", "move", "move", show=False, id="codebook.move", tooltip="Move under another parent"
        ),
        Binding(
            "k",
            "recolour",
            "colour",
            show=False,
            id="codebook.recolour",
            tooltip="Give the code a new colour",
        ),
        Binding(
            "g",
            "merge",
            "merge",
            id="codebook.merge",
            tooltip="Merge into another code (codings follow)",
        ),
        Binding(
            "delete",
            "delete",
            "delete",
            id="codebook.delete",
            tooltip="Delete (asks when codings would go)",
        ),
        Binding("m", "memo", "memo", show=False, id="codebook.memo", tooltip="Memo on the code"),
        Binding(
            "enter",
            "code_view",
            "passages",
            id="codebook.code_view",
            tooltip="Every passage of the code (and the codes under it) across documents",
        ),
        Binding("escape", "back", "back", show=False, id="codebook.back"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.codes: dict[int, Code] = {}
        self.counts: dict[int, CodeCount] = {}
        self.memo_counts: dict[int, int] = {}
        self.nodes: dict[int, TreeNode[int]] = {}
        self._pending_select: int | None = None

    def compose(self) -> ComposeResult:
        yield Header(icon="◆")
        with Horizontal(id="codebook-main"):
            yield CodeTree("codebook", id="codebook-tree")
            with VerticalScroll(id="code-detail-scroll"):
                yield Static(id="code-detail")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.reload()
        self.query_one(CodeTree).focus()

    def on_screen_resume(self) -> None:
        self.reload()

    def reload(self, select_id: int | None = None) -> None:
        project = self.app.project
        try:
            with project.session() as s:
                codes = all_codes(s)
                self.counts = code_counts(s, visible_coder_filter(project, self.app.coder))
            self.memo_counts = memo_counts(project, "code")
        except Exception as exc:  # noqa: BLE001 - a busy database: say so, keep the screen
            self.app.notify_error(exc)
            return
        if select_id is not None:
            self._pending_select = select_id
        current = self._pending_select or self.current_code_id()
        self.codes = {c.id: c for c in codes if c.id is not None}
        tree = self.query_one(CodeTree)
        self.nodes = fill_code_tree(tree, codes, self._label)
        if not codes:
            self.query_one("#code-detail", Static).update(
                Text(
                    "No codes yet. Press n to add one, or load a codebook:\n"
                    "qualcode codebook load codebooks/kraeftplan.toml"
                )
            )
        if current in self.nodes:
            self.call_after_refresh(self._select_node, current)
        elif codes:
            self.call_after_refresh(self._select_line, 0)

    def _select_node(self, code_id: int) -> None:
        if self._pending_select not in (None, code_id):
            return  # a later edit asked for another code
        self._pending_select = None
        node = self.nodes.get(code_id)
        if node is not None:
            tree = self.query_one(CodeTree)
            tree._tree_lines  # noqa: B018 - builds the line numbers move_cursor needs
            tree.move_cursor(node)
            self._show_detail(code_id)

    def _select_line(self, line: int) -> None:
        tree = self.query_one(CodeTree)
        tree.cursor_line = line
        node = tree.cursor_node
        if node is not None and node.data is not None:
            self._show_detail(node.data)

    def own(self, code_id: int | None) -> int:
        count = self.counts.get(code_id) if code_id is not None else None
        return count.own if count else 0

    def total(self, code_id: int | None) -> int:
        """Codings of a code and of every code under it."""
        count = self.counts.get(code_id) if code_id is not None else None
        return count.with_descendants if count else 0

    def _label(self, code: Code) -> Text:
        """Colour, key, codings (with the codes under it), memo mark, label: the count comes
        before the label so a narrow terminal cuts the label (with "…"), not the count."""
        text = Text()
        text.append("■ ", style=code.colour)
        text.append(code.key, style="bold")
        n = self.total(code.id)
        text.append(f" {n:>3} ", style="bold" if n else "dim")
        if code.id in self.memo_counts:
            text.append("✎ ", style="italic")
        text.append(code.label_da)
        return text

    def current_code_id(self) -> int | None:
        try:
            node = self.query_one(CodeTree).cursor_node
        except Exception:  # noqa: BLE001 - not mounted yet
            return None
        return node.data if node is not None else None

    def on_tree_node_highlighted(self, event: Tree.NodeHighlighted[int]) -> None:
        if event.node.data is not None:
            self._show_detail(event.node.data)

    def _show_detail(self, code_id: int) -> None:
        code = self.codes.get(code_id)
        if code is None:
            return
        parts: list[Any] = []
        head = Text()
        head.append("■ ", style=code.colour)
        head.append(f"{code.key}  {code.label_da}", style="bold")
        if code.label_en:
            head.append(f"  ·  {code.label_en}", style="italic")
        parts.append(head)
        own, total = self.own(code_id), self.total(code_id)
        counted = plural(total, "coding")
        if total != own:
            counted += f" ({own} its own, {total - own} under it)"
        memos = self.memo_counts.get(code_id, 0)
        meta = f"{code.kind.replace('_', ' ')} · {counted} · colour {code.colour}"
        if memos:
            meta += f" · {plural(memos, 'memo')} (m)"
        parts.append(Text(meta, style="dim"))

        def section(title: str, body: str) -> None:
            if body.strip():
                parts.append(Text(""))
                parts.append(Text(title, style="bold underline"))
                parts.append(Text(body.strip()))

        section("Description", code.description_da or code.description_en)
        section("Guiding question", code.guiding_question_da or code.guiding_question_en)
        section("Use when", code.use_when)
        section("Not when", code.not_when)
        if code.keywords:
            section("Keywords", ", ".join(code.keywords))
        self.query_one("#code-detail", Static).update(Group(*parts))

    # ----- edits ---------------------------------------------------------------------

    def _need_code(self) -> Code | None:
        code_id = self.current_code_id()
        code = self.codes.get(code_id) if code_id is not None else None
        if code is None:
            self.notify("highlight a code first", timeout=3)
        return code

    def _run(
        self, fn: Callable[..., Any], *args: Any, select_id: int | None = None, done: str = ""
    ) -> Any:
        app = self.app
        try:
            result = fn(app.project, *args)
        except Exception as exc:  # noqa: BLE001 - shown as a notification
            app.notify_error(exc)
            return None
        if done:
            self.notify(done, timeout=3, markup=False)
        app.note_own_write()
        app.refresh_data()
        if select_id is not None:
            self.reload(select_id)
        return result if result is not None else True

    def _ask_new_code(self, parent: int | None) -> None:
        def created(answer: str | None) -> None:
            if not answer:
                return
            key, _, label = answer.partition(" ")
            if not label.strip():
                self.notify(
                    "type a key, a space, then the label (e.g. 3.9 Ventetider)", severity="warning"
                )
                return
            new_id = self._run(
                codebook_edit.add_code, key, label.strip(), parent, done=f"added {key}"
            )
            if isinstance(new_id, int):
                self.reload(new_id)

        where = f"under {self.codes[parent].key}" if parent in self.codes else "at the top level"
        self.app.push_screen(
            TextPrompt(f"New code {where}", placeholder="key label, e.g. 3.9 Ventetider"), created
        )

    def action_add(self) -> None:
        self._ask_new_code(self.current_code_id())

    def action_add_top(self) -> None:
        self._ask_new_code(None)

    def action_rename(self) -> None:
        code = self._need_code()
        if code is None:
            return

        def renamed(label: str | None) -> None:
            if label:
                self._run(
                    codebook_edit.rename_code, code.id, label, select_id=code.id, done="renamed"
                )

        self.app.push_screen(
            TextPrompt(f"Rename {code.key} (Danish label)", value=code.label_da), renamed
        )

    def action_rename_en(self) -> None:
        code = self._need_code()
        if code is None:
            return

        def renamed(label: str | None) -> None:
            if label is not None:
                self._run(
                    codebook_edit.rename_code,
                    code.id,
                    None,
                    label,
                    select_id=code.id,
                    done="renamed",
                )

        self.app.push_screen(
            TextPrompt(f"Rename {code.key} (English label)", value=code.label_en), renamed
        )

    def action_recolour(self) -> None:
        code = self._need_code()
        if code is None:
            return

        def recoloured(colour: str | None) -> None:
            if colour:
                self._run(
                    codebook_edit.recolour_code,
                    code.id,
                    colour,
                    select_id=code.id,
                    done=f"{code.key} is now {colour}",
                )

        self.app.push_screen(
            TextPrompt(
                f"New colour for {code.key}", value=code.colour, help="A hex colour like #3cb44b."
            ),
            recoloured,
        )

    def _other_codes(self, code: Code) -> list[PickableCode]:
        return [c for c in pickable(list(self.codes.values())) if c.id != code.id]

    def action_move(self) -> None:
        code = self._need_code()
        if code is None:
            return
        choices = [
            PickableCode(TOP_LEVEL, "—", "top level", "", [], "#888888", 0),
            *self._other_codes(code),
        ]

        def moved(ids: list[int] | NewCode | None) -> None:
            if not isinstance(ids, list) or not ids:
                return
            parent = None if ids[0] == TOP_LEVEL else ids[0]
            self._run(
                codebook_edit.move_code,
                code.id,
                parent,
                select_id=code.id,
                done=f"moved {code.key}",
            )

        self.app.push_screen(
            CodePicker(choices, title=f"Move {code.key} under", multiple=False), moved
        )

    def action_merge(self) -> None:
        code = self._need_code()
        if code is None:
            return

        def merge_into(ids: list[int] | NewCode | None) -> None:
            if not isinstance(ids, list) or not ids or ids[0] not in self.codes:
                return
            target_id = ids[0]
            target = self.codes[target_id]
            n = self.own(code.id)

            def confirmed(yes: bool | None) -> None:
                if yes and code.id is not None:
                    self.merge(code.id, target_id)

            self.app.push_screen(
                Confirm(
                    f"Merge {code.key} {code.label_da} into {target.key} {target.label_da}?\n"
                    f"Its {plural(n, 'coding')} move to {target.key} and {code.key} is removed "
                    "(ctrl+z undoes).",
                    yes="Merge",
                ),
                confirmed,
            )

        self.app.push_screen(
            CodePicker(self._other_codes(code), title=f"Merge {code.key} into", multiple=False),
            merge_into,
        )

    def merge(self, source_id: int, target_id: int) -> None:
        moved = self._run(
            codebook_edit.merge_codes, source_id, target_id, self.app.coder, select_id=target_id
        )
        if moved is not None:
            n = moved if isinstance(moved, int) and moved is not True else 0
            self.notify(f"merged: {plural(n, 'coding')} moved", timeout=4)

    def action_delete(self) -> None:
        code = self._need_code()
        if code is None:
            return
        if code.id is None:
            return
        usage = self.app.guarded(codebook_edit.code_usage, self.app.project, code.id)
        if usage is None:
            return
        if usage["children"]:
            self.notify(
                f"{code.key} has {plural(usage['children'], 'child code')}: "
                "move or merge them first",
                severity="warning",
            )
            return

        def confirmed(yes: bool | None) -> None:
            if yes:
                self._run(
                    codebook_edit.delete_code,
                    code.id,
                    self.app.coder,
                    True,
                    done=f"deleted {code.key}",
                )

        if usage["codings"] == 0:
            self._run(
                codebook_edit.delete_code,
                code.id,
                self.app.coder,
                False,
                done=f"deleted {code.key}",
            )
            return
        self.app.push_screen(
            Confirm(
                f"Delete {code.key} {code.label_da}?\n"
                f"{plural(usage['codings'], 'coding')} will be deleted with it"
                + (
                    f", and {plural(usage['quotes'], 'quote')} lose their code"
                    if usage["quotes"]
                    else ""
                )
                + ". ctrl+z undoes.",
                yes="Delete",
            ),
            confirmed,
        )

    def action_memo(self) -> None:
        code = self._need_code()
        if code is not None and code.id is not None:
            edit_memo(self.app, "code", code.id, f"Memo on {code.key} {code.label_da}")

    def action_code_view(self) -> None:
        code = self._need_code()
        if code is not None and code.id is not None:
            self.app.push_screen(CodeViewScreen(code.id))

    def on_tree_node_selected(self, event: Tree.NodeSelected[int]) -> None:
        """Enter on a code: its passages across documents."""
        event.stop()
        if event.node.data is not None:
            self.app.push_screen(CodeViewScreen(event.node.data))

    def action_back(self) -> None:
        self.app.go_back()

    def palette_commands(self) -> list[SystemCommand]:
        return [
            SystemCommand(
                "codebook: add code", "Add a code under the highlighted one", self.action_add
            ),
            SystemCommand(
                "codebook: rename code", "Rename the highlighted code", self.action_rename
            ),
            SystemCommand("codebook: move code", "Move the highlighted code", self.action_move),
            SystemCommand(
                "codebook: recolour code",
                "Give the highlighted code a colour",
                self.action_recolour,
            ),
            SystemCommand(
                "codebook: merge code", "Merge the highlighted code into another", self.action_merge
            ),
            SystemCommand(
                "codebook: delete code", "Delete the highlighted code", self.action_delete
            ),
            SystemCommand("memo: code", "Memo on the highlighted code", self.action_memo),
        ]
