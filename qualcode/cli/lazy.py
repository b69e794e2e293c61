"""A command group that builds a command only when it is run.

Typer turns every registered function into a Click command before it parses anything:
it inspects each signature and evaluates its annotations, which for ~40 commands costs
more than all the rest of ``qualcode --help``. This group lists every command from what
is cheap to know (name, help text, hidden/deprecated flags) and builds only the one that
runs, with Typer's own functions, so a built command is exactly what Typer would build.
``tests/cli/test_startup.py`` checks that the lazy help equals Typer's eager help.

Typer (0.29) coerces every parameter value through a pydantic ``TypeAdapter`` (built even
for an option left at ``None``), and importing pydantic costs more than the rest of a
quick command. A value that already has its parameter's plain type (a ``str`` for
``str``, an ``int`` for ``int`` with no bounds) comes out of that adapter unchanged, and
``None`` never reaches it, so ``plain_values`` lets such values through as they are (and
makes a ``Path`` of text, and a list of a tuple of texts or paths, as the adapter would)
and hands anything else (``"12"`` for an ``int``, a choice) to Typer's own coercion,
built when first needed. ``tests/cli/test_startup.py`` holds both to the
same results.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from dataclasses import dataclass
from difflib import get_close_matches
from pathlib import Path
from typing import Any

import typer
from typer._coercion import RuntimeParam, build_runtime_param
from typer.core import TyperCommand, TyperGroup
from typer.main import (
    get_command_from_info,
    get_group,
    get_group_from_info,
    solve_typer_info_defaults,
    solve_typer_info_help,
)
from typer.models import DefaultPlaceholder

try:  # Typer 0.2x vendors Click; older Typer uses Click itself.
    from typer._click import exceptions as click_exceptions
except ImportError:  # pragma: no cover
    from click import exceptions as click_exceptions


@dataclass
class _Entry:
    """What the listing needs of one command, and how to build the real one."""

    placeholder: TyperCommand  # the name and help only
    build: Callable[[], Any]


class LazyGroup(TyperGroup):
    """A ``TyperGroup`` whose commands are built on first use."""

    lazy: dict[str, _Entry]
    _listing: bool = False

    def list_commands(self, ctx: Any) -> list[str]:
        return list(getattr(self, "lazy", {})) or super().list_commands(ctx)

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        entries = getattr(self, "lazy", {})
        if cmd_name not in entries:
            return super().get_command(ctx, cmd_name)
        if self._listing:
            return entries[cmd_name].placeholder
        if cmd_name not in self.commands:
            self.commands[cmd_name] = entries[cmd_name].build()
        return self.commands[cmd_name]

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        try:
            return super().resolve_command(ctx, args)
        except click_exceptions.UsageError as exc:
            # Typer suggests from the commands built so far; ours are built on use.
            matches = get_close_matches(args[0], self.list_commands(ctx)) if args else []
            if self.suggest_commands and matches and "Did you mean" not in exc.message:
                names = ", ".join(f"{m!r}" for m in matches)
                message = f"{exc.message.rstrip('.')}. Did you mean {names}?"
                raise click_exceptions.UsageError(message, ctx) from None
            raise

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        self._listing = True
        try:
            super().format_commands(ctx, formatter)
        finally:
            self._listing = False


@dataclass(frozen=True)
class _PlainValue(RuntimeParam):
    """Typer's coercion, skipped for a value that already has the parameter's plain type
    (``None`` never reaches it: ``RuntimeParam.coerce`` answers that itself)."""

    descriptor: Any = None
    plain: bool = False  # str, bool, or int/float without bounds or clamping

    def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
        if self.plain and type(value) is self.annotation:  # pydantic hands it back as it is
            return value
        if self.plain and type(value) is str and self.annotation in _NUMBERS:
            number = _NUMBERS[self.annotation]
            if number[0].fullmatch(value):  # plain decimal text: parsed as pydantic would
                return number[1](value)
        if self.plain and self.annotation is Path and _plain_path(value):
            return Path(value)  # as pydantic makes a path of text (without a NUL)
        if self.plain and type(value) in (tuple, list):  # a list of texts or paths: a list
            if self.annotation == list[str] and all(type(v) is str for v in value):
                return list(value)
            if self.annotation == list[Path] and all(_plain_path(v) for v in value):
                return [Path(v) for v in value]
        return build_runtime_param(self.descriptor)._coerce_value(value, param=param, ctx=ctx)


# Number text so plain that Python and pydantic read it alike (``12``, ``-3``, ``85.5``).
_NUMBERS: dict[Any, tuple[re.Pattern[str], Callable[[str], Any]]] = {
    int: (re.compile(r"-?[0-9]{1,18}"), int),
    float: (re.compile(r"-?[0-9]{1,15}(\.[0-9]{1,15})?"), float),
}


# Typer's path checks, as they are when a parameter asks for none.
_PATH_DEFAULTS: dict[str, Any] = {
    "exists": False, "file_okay": True, "dir_okay": True, "writable": False, "readable": True,
    "resolve_path": False, "allow_dash": False, "path_type": None,
}  # fmt: skip


def _plain_path(value: Any) -> bool:
    """Text pydantic turns into ``Path(value)`` (it refuses a NUL byte, so Typer explains)."""
    return type(value) is str and "\x00" not in value


def _is_plain(descriptor: Any) -> bool:
    info = descriptor.parameter_info
    if descriptor.annotation in (str, bool, list[str]):
        return True
    if descriptor.annotation in (Path, list[Path]):  # a path with no checks asked of it
        return all(getattr(info, k, v) == v for k, v in _PATH_DEFAULTS.items())
    bounds = (getattr(info, "min", None), getattr(info, "max", None), getattr(info, "clamp", None))
    return descriptor.annotation in (int, float) and not any(bounds)


def _takes_over(param: Any) -> bool:
    descriptor = getattr(param, "type_descriptor", None)
    if descriptor is None or getattr(param, "_runtime_param", False) is not None:
        return False
    info = descriptor.parameter_info
    return descriptor.file_annotation is None and getattr(info, "parser", None) is None


@dataclass
class _HelpNames:
    """What ``get_help_option`` reads of a context: the help option's names."""

    help_option_names: tuple[str, ...] = ("--help",)


def plain_values(command: Any) -> Any:
    """``command`` (and its subcommands) with plain-typed values taken as they are."""
    helper = command.get_help_option(_HelpNames())  # made once and kept by the command
    for param in [*getattr(command, "params", []), *([helper] if helper is not None else [])]:
        if _takes_over(param):
            descriptor = param.type_descriptor
            param._runtime_param = _PlainValue(
                descriptor.parameter_info, descriptor.annotation, descriptor, _is_plain(descriptor)
            )
    for sub in getattr(command, "commands", {}).values():
        plain_values(sub)
    return command


def _value(value: Any, default: Any = None) -> Any:
    return default if isinstance(value, DefaultPlaceholder) else value


def lazy_root(app: typer.Typer, settings: dict[str, Any], root: Callable[..., Any]) -> Any:
    """The root Click group of ``app``: its own options built now, its commands on use.

    ``settings`` are the keyword arguments ``app`` was made with and ``root`` its callback
    (``invoke_without_command=True``).
    """
    stub = typer.Typer(**settings, cls=LazyGroup)
    stub.callback(invoke_without_command=True)(root)
    group = get_group(stub)
    assert isinstance(group, LazyGroup)
    short = app.pretty_exceptions_short
    markup = app.rich_markup_mode
    entries: dict[str, _Entry] = {}
    for info in app.registered_commands:
        assert info.callback is not None
        name = info.name or info.callback.__name__.lower().replace("_", "-")
        doc = (
            inspect.cleandoc(info.help) if info.help is not None else inspect.getdoc(info.callback)
        )
        placeholder = TyperCommand(
            name,
            help=doc,
            short_help=info.short_help,
            hidden=info.hidden,
            deprecated=info.deprecated,
        )
        entries[name] = _Entry(
            placeholder,
            lambda info=info: plain_values(
                get_command_from_info(info, pretty_exceptions_short=short, rich_markup_mode=markup)
            ),
        )
    for group_info in app.registered_groups:
        solved = solve_typer_info_defaults(group_info)
        name = _value(solved.name)
        if not name:
            continue
        placeholder = TyperCommand(
            name,
            help=solve_typer_info_help(group_info),
            short_help=_value(solved.short_help),
            hidden=bool(_value(solved.hidden, False)),
            deprecated=bool(_value(solved.deprecated, False)),
        )
        entries[name] = _Entry(
            placeholder,
            lambda info=group_info: plain_values(
                get_group_from_info(
                    info,
                    pretty_exceptions_short=short,
                    rich_markup_mode=markup,
                    suggest_commands=app.suggest_commands,
                )
            ),
        )
    group.lazy = entries
    return plain_values(group)
