"""Settings commands: show and set the project's settings (name, languages, consent...)."""

from __future__ import annotations

import typer

from qualcode.cli.common import JSON_OPTION, emit_json, open_from, say


def register(app: typer.Typer) -> None:
    settings_app = typer.Typer(help="Show and change the project's settings.", no_args_is_help=True)
    app.add_typer(settings_app, name="settings")

    @settings_app.command("show")
    def show(ctx: typer.Context, as_json: bool = JSON_OPTION) -> None:
        """Every setting with its value, whether it was set, and what it does."""
        from qualcode.settings import setting_rows

        with open_from(ctx) as project:
            rows = setting_rows(project)
        if as_json:
            emit_json(rows)
            return
        say(f"{'key':<20} {'value':<28} what it does")
        for r in rows:
            value = r["value"] if r["set"] else f"{r['value'] or '-'} (default)"
            say(f"{r['key']:<20} {value[:28]:<28} {r['help']}")

    @settings_app.command("set")
    def set_(
        ctx: typer.Context,
        key: str = typer.Argument(..., help="The setting (see `qualcode settings show`)."),
        value: str = typer.Argument(..., help="Its new value."),
        as_json: bool = JSON_OPTION,
    ) -> None:
        """Change a setting (checked: true/false, da/en, a number of days...)."""
        from qualcode.settings import change_setting, spec

        spec(key)  # an unknown key fails before the project is opened
        with open_from(ctx) as project:
            changed = change_setting(project, key, value)
        if as_json:
            emit_json(changed)
        else:
            say(f"{changed['key']} = {changed['value']}")
