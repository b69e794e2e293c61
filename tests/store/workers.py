"""Worker processes for the team tests: several coders at once, and imports to kill.

Run as a script (``python tests/store/workers.py MODE ...``); each mode prints one JSON
line on stdout as its result. The workers wait for a start file so that they all begin
together, which is what makes the test a test of concurrency.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import sys
import time
from pathlib import Path

# After this many codings the "code" worker says so on stderr (once).
REPORT_AFTER = 25


def wait_for(start_file: str) -> None:
    deadline = time.monotonic() + 120
    while not Path(start_file).exists():
        if time.monotonic() > deadline:
            raise SystemExit("start file never appeared")
        time.sleep(0.002)


def span(j: int, length: int) -> tuple[int, int]:
    """The j-th span: the same for every coder, so coders collide on the same spans.

    ``$QC_SPAN_SALT`` (0, 1, 2 …) gives one process span lengths no other salt has, for
    processes that code as the same coder (the same span, code and coder is refused as a
    duplicate)."""
    salt = int(os.environ.get("QC_SPAN_SALT", "0"))
    start = (j * 37) % (length - 20 - 16 * salt)
    return start, start + 1 + j % 15 + 16 * salt


def code_domain(target: str, coder: str, n: int, start_file: str) -> dict[str, object]:
    from qualcode.coding import apply_code
    from qualcode.db import open_project
    from qualcode.errors import QualcodeError
    from qualcode.models import Document

    errors: list[str] = []
    with open_project(target) as project:
        with project.session() as s:
            length = len(s.get(Document, 1).text)  # type: ignore[union-attr]
        wait_for(start_file)
        began = time.perf_counter()
        for j in range(n):
            start, end = span(j, length)
            try:
                apply_code(project, 1, "1", start, end, coder)
            except QualcodeError as exc:
                errors.append(str(exc))
            if j + 1 == REPORT_AFTER:  # the crash test kills us once this many are in
                print(f"committed {j + 1}", file=sys.stderr, flush=True)
        seconds = time.perf_counter() - began
    return {"coder": coder, "errors": errors, "seconds": seconds}


def code_cli(target: str, coder: str, n: int, start_file: str) -> dict[str, object]:
    """Through ``qualcode.cli.main`` as a user would: any failure is an exit code != 0."""
    from qualcode.cli import main
    from qualcode.db import open_project
    from qualcode.models import Document

    with open_project(target) as project, project.session() as s:
        length = len(s.get(Document, 1).text)  # type: ignore[union-attr]
    option = "--db-url" if "://" in target else "--project"
    errors: list[str] = []
    wait_for(start_file)
    began = time.perf_counter()
    for j in range(n):
        start, end = span(j, length)
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(
                [
                    option,
                    target,
                    "code",
                    "1",
                    "--start",
                    str(start),
                    "--end",
                    str(end),
                    "--code",
                    "1",
                    "--coder",
                    coder,
                ]
            )
        if code != 0:
            errors.append(f"exit {code}: {err.getvalue().strip()}")
    return {"coder": coder, "errors": errors, "seconds": time.perf_counter() - began}


def respond(target: str, quote_id: int, who: str, start_file: str) -> dict[str, object]:
    from qualcode import quotes
    from qualcode.db import open_project
    from qualcode.errors import ConflictError

    with open_project(target) as project:
        version = quotes.get_quote(project, quote_id)["version"]
        wait_for(start_file)
        try:
            quotes.respond(
                project, quote_id, "approve", who, note=f"by {who}", expected_version=version
            )
        except ConflictError as exc:
            return {"who": who, "result": "conflict", "message": str(exc)}
    return {"who": who, "result": "ok"}


def import_file(target: str, path: str) -> dict[str, object]:
    """Import one file; says "ready" on stderr just before, so the killer can aim."""
    from qualcode.db import open_project
    from qualcode.importing import import_files

    with open_project(target) as project:
        print("ready", file=sys.stderr, flush=True)
        outcome = import_files(project, [Path(path)])[0]
    return outcome.as_dict()


def train(target: str) -> dict[str, object]:
    """Train the suggestion model; "ready" on stderr once the project is open."""
    from qualcode.db import open_project
    from qualcode.suggest import train_model

    with open_project(target) as project:
        print("ready", file=sys.stderr, flush=True)
        return train_model(project, iterations=4)


def export(target: str, out: str) -> dict[str, object]:
    """Write a synthesis as .docx; "ready" on stderr once the project is open."""
    from qualcode.db import open_project
    from qualcode.synthesis import export_synthesis

    with open_project(target) as project:
        print("ready", file=sys.stderr, flush=True)
        return export_synthesis(project, "docx", out)


def main(argv: list[str]) -> None:
    mode, *args = argv
    if mode == "code":
        result = code_domain(args[0], args[1], int(args[2]), args[3])
    elif mode == "cli-code":
        result = code_cli(args[0], args[1], int(args[2]), args[3])
    elif mode == "respond":
        result = respond(args[0], int(args[1]), args[2], args[3])
    elif mode == "import":
        result = import_file(args[0], args[1])
    elif mode == "train":
        result = train(args[0])
    elif mode == "export":
        result = export(args[0], args[1])
    else:
        raise SystemExit(f"unknown mode {mode}")
    print(json.dumps(result, default=str), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
