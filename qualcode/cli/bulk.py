"""``qualcode code --from FILE`` and ``qualcode quotes add --from FILE``: many rows, one
transaction. The ``code`` and ``quotes add`` commands hand over here when given ``--from``."""

from __future__ import annotations

from pathlib import Path

import typer

from qualcode.cli.common import default_coder_name, emit_json, open_from, say
from qualcode.errors import QualcodeError

try:  # Typer 0.2x vendors Click; older Typer uses Click itself.
    from typer._click import exceptions as click_exceptions
except ImportError:  # pragma: no cover
    from click import exceptions as click_exceptions

__all__ = ["FROM_HELP", "click_exceptions", "code_from", "quotes_from"]

FROM_HELP = (
    "Take every row of a CSV or JSON-lines file (columns: document, start/end or match, "
    "code, ...): one transaction, all or nothing."
)


def _no_single_options(given: dict[str, object]) -> None:
    extra = [name for name, value in given.items() if value is not None and value != ""]
    if extra:
        raise QualcodeError(
            f"--from takes every value from the file; drop {', '.join(extra)}",
            "Put the values in the file's columns instead.",
        )


def code_from(
    ctx: typer.Context, path: Path, coder: str | None, as_json: bool, single: dict[str, object]
) -> None:
    """Code every row of ``path`` as one undoable action."""
    from qualcode.bulk import add_codings_bulk

    _no_single_options(single)
    who = coder or default_coder_name()
    with open_from(ctx) as project:
        result = add_codings_bulk(project, path, who)
    if as_json:
        emit_json(result)
    else:
        n = result["added"]
        say(f"coded {n} passage{'' if n == 1 else 's'} from {path} (one undo step, by {who})")


def quotes_from(
    ctx: typer.Context, path: Path, coder: str | None, as_json: bool, single: dict[str, object]
) -> None:
    """Make a candidate quote of every row of ``path``."""
    from qualcode.bulk import add_quotes_bulk

    _no_single_options(single)
    who = coder or default_coder_name()
    with open_from(ctx) as project:
        result = add_quotes_bulk(project, path, who)
    if as_json:
        emit_json(result)
    else:
        say(f"added {result['added']} candidate quotes from {path}")
