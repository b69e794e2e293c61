"""Every package and every bundled data file reaches an installed qualcode."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_package_is_listed_in_pyproject() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    listed = set(config["tool"]["setuptools"]["packages"])
    found = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for init in (ROOT / "qualcode").rglob("__init__.py")
        if "__pycache__" not in init.parts
    }
    missing = found - listed
    assert not missing, f"add these to [tool.setuptools] packages: {sorted(missing)}"


def test_bundled_data_is_found() -> None:
    from qualcode.demo import demo_codebook, demo_corpus_dir

    assert demo_codebook().is_file()
    assert (demo_corpus_dir() / "manifest.toml").is_file()
    assert (demo_corpus_dir() / "participants.csv").is_file()


def test_every_cli_command_has_help(cli) -> None:  # type: ignore[no-untyped-def]
    import typer.main

    from qualcode.cli import app

    group = typer.main.get_command(app)

    def walk(cmd, path):  # type: ignore[no-untyped-def]
        yield path, cmd
        for name, sub in getattr(cmd, "commands", {}).items():
            yield from walk(sub, [*path, name])

    commands = list(walk(group, []))
    assert len(commands) > 10
    for path, cmd in commands:
        assert (cmd.help or "").strip(), f"`qualcode {' '.join(path)}` has no help text"
        code, out, _err = cli(*path, "--help", project=None)
        assert code == 0 and "Usage" in out, path


def test_every_cli_command_is_documented() -> None:
    import typer.main

    from qualcode.cli import app

    doc = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    group = typer.main.get_command(app)
    missing = []
    for name, cmd in group.commands.items():
        subs = getattr(cmd, "commands", None)
        for path in [f"{name} {sub}" for sub in subs] if subs else [name]:
            head, _, tail = path.partition(" ")
            sub_heading = tail and f"qualcode {head}" in doc and f"`{tail} " in doc
            if f"qualcode {path}" not in doc and f"`{path}" not in doc and not sub_heading:
                missing.append(path)
    assert not missing, f"not in docs/cli.md: {missing}"
