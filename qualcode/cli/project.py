"""Project commands: init, demo, tui."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from qualcode.cli.common import default_coder_name, progress_bar, say, state
from qualcode.errors import ProjectError

if TYPE_CHECKING:
    from qualcode.db import Project


def run_tui(ctx: typer.Context, project: Project | None = None, coder: str | None = None) -> None:
    """Open the TUI on a project (the app factory is shared with the demo and the tests)."""
    from qualcode.tui.app import make_app, open_later

    if project is None:  # the app opens it after its first frame, and closes it
        make_app(open_later(state(ctx).target()), coder=coder).run()
        return
    try:
        make_app(project, coder=coder).run()
    finally:
        project.close()


def register(app: typer.Typer) -> None:
    @app.command()
    def init(
        ctx: typer.Context,
        path: Path | None = typer.Argument(
            None, help="The new project file (e.g. study.qualcode)."
        ),
        name: str | None = typer.Option(None, help="A name for the project."),
    ) -> None:
        """Create a new, empty project (a file, or the schema in --db-url's database)."""
        from qualcode.db import open_project

        st = state(ctx)
        target = st.db_url or (str(path) if path else None)
        if target is None:
            raise ProjectError("give the project file to create", "qualcode init study.qualcode")
        if path is not None and not st.db_url and path.exists():
            raise ProjectError(
                f"{path} already exists", "Choose another name, or open it with --project."
            )
        with open_project(target, create=True) as project:
            if name:
                project.set_setting("name", name)
            shown = project.engine.url.render_as_string() if st.db_url else target
            say(f"created project {shown}")

    @app.command()
    def demo(
        ctx: typer.Context,
        no_tui: bool = typer.Option(False, "--no-tui", help="Build the demo project, then stop."),
        fresh: bool = typer.Option(False, "--fresh", help="Rebuild demo.qualcode if it exists."),
        path: Path = typer.Option(Path("demo.qualcode"), "--path", help="Where to build it."),
    ) -> None:
        """Build demo.qualcode here from the bundled corpus and codebook, then open the TUI."""
        from qualcode.db import open_project
        from qualcode.demo import build_demo

        if path.exists() and not fresh:
            say(f"using the existing {path} (--fresh rebuilds it)")
            project = open_project(path)
        else:
            with progress_bar("building the demo project") as progress:
                project, summary = build_demo(path, progress=progress, replace=fresh)
            say(
                f"built {path}: {summary['documents']} documents, {summary['participants']} "
                f"participants, {summary['codes']} codes, {summary['codings']} codings, "
                f"{summary['quotes']} quotes"
            )
        if no_tui:
            project.close()
            return
        from qualcode.tui.config import remembered_coder

        run_tui(ctx, project, coder=remembered_coder() or default_coder_name())

    @app.command()
    def tui(
        ctx: typer.Context,
        coder: str | None = typer.Option(None, help="Code as this coder (remembered)."),
    ) -> None:
        """Open the TUI on the project."""
        if coder:
            from qualcode.tui.config import remember_coder

            remember_coder(coder)
        run_tui(ctx, coder=coder)
