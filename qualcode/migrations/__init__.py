"""Alembic migrations: every schema change of a qualcode project, in order."""
