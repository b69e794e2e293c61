"""Help pages printed without Typer or Click: ``qualcode --help`` in a few milliseconds.

Importing Typer (and with it Click) and the command modules costs more than the whole
budget of ``qualcode --help`` (150 ms). The pages are data instead: ``help_pages.json``
holds, for every command path, what Click would put on the page (the usage arguments, the
help text, the option and argument rows, each subcommand's help), written by
``python -m qualcode.cli.help_gen`` from the Typer application itself. This module lays
them out as Click lays out a plain help page (``rich_markup_mode=None``) at the terminal's
width. ``tests/cli/test_startup.py`` holds every page, at several widths, to Typer's own
output word for word, so a changed command fails there until the pages are written again.

Only the plain cases take this path: ``qualcode [COMMAND...] --help`` and a group given
without a command (``qualcode documents``); anything else goes to Typer.
"""

from __future__ import annotations

import json
import os
import sys
import textwrap

# Not ``typing.TYPE_CHECKING``: importing ``typing`` (or ``dataclasses``, ``pathlib``) would
# cost more than laying out the page. Type checkers read this name as True.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import TextIO, TypedDict

    class CommandRowDict(TypedDict):
        """One line of a group's "Commands" list, before it is shortened to the width."""

        name: str
        help: str  # the command's help text, or its explicit short help
        short: bool  # ``help`` is an explicit short help: printed as it is
        suffix: str  # "(DEPRECATED)" or ""

    class PageDict(TypedDict):
        """One command's help page as Click would build it (``help_pages.json``)."""

        path: list[str]  # ["documents", "list"]; [] for qualcode itself
        prog: str  # "qualcode documents list"
        usage: str  # what follows "Usage: qualcode documents list "
        text: str  # the help text (paragraphs), empty if none
        arguments: list[list[str]]  # [term, definition] rows
        options: list[list[str]]
        commands: list[CommandRowDict]
        epilog: str
        no_args_is_help: bool


PAGES_FILE = os.path.join(os.path.dirname(__file__), "help_pages.json")
HELP_OPTION = "--help"


class FastHelp:
    """A page to print instead of running the command: where it goes and the exit code."""

    __slots__ = ("text", "to_stderr", "exit_code")

    def __init__(self, text: str, to_stderr: bool, exit_code: int) -> None:
        self.text = text
        self.to_stderr = to_stderr
        self.exit_code = exit_code


def load_pages(path: str = PAGES_FILE) -> dict[tuple[str, ...], PageDict]:
    with open(path, encoding="utf-8") as fh:
        pages: list[PageDict] = json.load(fh)
    return {tuple(page["path"]): page for page in pages}


def fast_help(args: list[str]) -> FastHelp | None:
    """The help page ``args`` ask for, if they ask for nothing else; else ``None``."""
    if not args or any(arg.startswith("-") and arg != HELP_OPTION for arg in args):
        return None
    asked = args[-1] == HELP_OPTION
    path = tuple(args[:-1] if asked else args)
    if HELP_OPTION in path or (not asked and len(path) > 2):  # no group is nested deeper
        return None
    try:
        page = load_pages().get(path)
    except (OSError, ValueError):  # no pages (a broken install): Typer still knows
        return None
    if page is None or not (asked or (path and page["no_args_is_help"])):
        return None
    text = render(page, help_width())
    return FastHelp(text, to_stderr=not asked, exit_code=0 if asked else 2)


def print_fast_help(found: FastHelp) -> int:
    stream: TextIO = sys.stderr if found.to_stderr else sys.stdout
    stream.write(found.text + "\n")
    stream.flush()
    return found.exit_code


def help_width(max_width: int = 80) -> int:
    """Click's help width: the terminal's columns (``COLUMNS`` first), at most 80, minus 2,
    at least 50 (what ``shutil.get_terminal_size`` answers, without importing shutil)."""
    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        columns = 0
    stdout = sys.__stdout__
    if columns <= 0 and stdout is not None:
        try:
            columns = os.get_terminal_size(stdout.fileno()).columns
        except (AttributeError, ValueError, OSError):
            columns = 0
    columns = columns if columns > 0 else 80
    return max(min(columns, max_width) - 2, 50)


# ----- Click's plain layout -------------------------------------------------------------


class _Wrapper(textwrap.TextWrapper):
    """Click's wrapper: a word longer than the line is cut exactly at the edge (the
    standard library would look for a hyphen to cut at)."""

    def _handle_long_word(
        self, reversed_chunks: list[str], cur_line: list[str], cur_len: int, width: int
    ) -> None:
        room = max(width - cur_len, 1)
        word = reversed_chunks[-1]
        cur_line.append(word[:room])
        reversed_chunks[-1] = word[room:]


def wrap(text: str, width: int, first: str = "", rest: str = "", paragraphs: bool = False) -> str:
    """Click's ``wrap_text``: one paragraph, or each paragraph (blank-line separated, kept
    at its own indent; one opened by a ``\\b`` line is left unwrapped)."""
    text = text.expandtabs()
    if not paragraphs:
        return _Wrapper(width, first, rest, replace_whitespace=False).fill(text)
    blocks: list[tuple[int, bool, str]] = []
    lines: list[str] = []
    indent = 0
    for line in [*text.splitlines(), ""]:
        if line:
            if not lines:
                indent = len(line) - len(line.lstrip())
            lines.append(line.lstrip() if not lines else line)
            continue
        if lines:
            raw = lines[0].strip() == "\b"
            blocks.append((indent, raw, "\n".join(lines[1:]) if raw else " ".join(lines)))
            lines = []
    out = []
    for extra, raw, block in blocks:
        pad = " " * extra
        if raw:
            out.append(
                "\n".join(
                    (first if i == 0 else rest) + pad + ln
                    for i, ln in enumerate(block.splitlines())
                )
            )
        else:
            wrapper = _Wrapper(width, first + pad, rest + pad, replace_whitespace=False)
            out.append(wrapper.fill(block))
    return "\n\n".join(out)


def short_help(help_text: str, limit: int) -> str:
    """Click's ``make_default_short_help``: the first paragraph, cut at the end of its first
    sentence or, if that is too long, at a word with "..."."""
    words = help_text.split("\n\n", 1)[0].split()
    if words and words[0] == "\b":
        words = words[1:]
    total = 0
    for i, word in enumerate(words):
        total += len(word) + (i > 0)
        if total > limit:
            break
        if word.endswith("."):
            return " ".join(words[: i + 1])
        if total == limit and i != len(words) - 1:
            break
    else:
        return " ".join(words)
    total += 3
    while i > 0:
        total -= len(words[i]) + (i > 0)
        if total <= limit:
            break
        i -= 1
    return " ".join(words[:i]) + "..."


class _Page:
    """Click's ``HelpFormatter``, only as far as a plain help page needs it."""

    def __init__(self, width: int) -> None:
        self.width = width
        self.indent = 0
        self.parts: list[str] = []

    def usage(self, prog: str, args: str) -> None:
        prefix = f"{'Usage: ':>{self.indent}}{prog} "
        room = self.width - self.indent
        if room >= len(prefix) + 20:
            self.parts.append(wrap(args, room, prefix, " " * len(prefix)))
        else:
            pad = " " * (max(self.indent, len("Usage: ")) + 4)
            self.parts += [prefix, "\n", wrap(args, room, pad, pad)]
        self.parts.append("\n")

    def paragraph(self) -> None:
        if self.parts:
            self.parts.append("\n")

    def text(self, text: str) -> None:
        pad = " " * self.indent
        self.parts += [wrap(text, self.width, pad, pad, paragraphs=True), "\n"]

    def section(self, heading: str, rows: list[tuple[str, str]]) -> None:
        self.paragraph()
        self.parts.append(f"{'':>{self.indent}}{heading}:\n")
        self.indent += 2
        self.definitions(rows)
        self.indent -= 2

    def definitions(self, rows: list[tuple[str, str]], col_max: int = 30) -> None:
        first_col = min(max(len(term) for term, _ in rows), col_max) + 2
        for term, definition in rows:
            self.parts.append(f"{'':>{self.indent}}{term}")
            if not definition:
                self.parts.append("\n")
                continue
            if len(term) <= first_col - 2:
                self.parts.append(" " * (first_col - len(term)))
            else:
                self.parts += ["\n", " " * (first_col + self.indent)]
            lines = wrap(definition, max(self.width - first_col - 2, 10), paragraphs=True)
            first, *rest = lines.splitlines() or [""]
            self.parts.append(f"{first}\n")
            self.parts += [f"{'':>{first_col + self.indent}}{line}\n" for line in rest]

    def value(self) -> str:
        return "".join(self.parts).rstrip("\n")


def render(page: PageDict, width: int) -> str:
    """The page as ``qualcode ... --help`` prints it at ``width`` (without the last newline)."""
    out = _Page(width)
    out.usage(page["prog"], page["usage"])
    if page["text"]:
        out.paragraph()
        out.indent += 2
        out.text(page["text"])
        out.indent -= 2
    for heading, rows in (("Arguments", page["arguments"]), ("Options", page["options"])):
        if rows:
            out.section(heading, [(term, definition) for term, definition in rows])
    commands = page["commands"]
    if commands:
        limit = width - 6 - max(len(row["name"]) for row in commands)
        out.section("Commands", [(row["name"], _command_help(row, limit)) for row in commands])
    if page["epilog"]:
        out.paragraph()
        out.indent += 2
        out.text(page["epilog"])
        out.indent -= 2
    return out.value()


def _command_help(row: CommandRowDict, limit: int) -> str:
    text = row["help"] if row["short"] else short_help(row["help"], limit)
    return f"{text} {row['suffix']}".strip() if row["suffix"] else text.strip()
