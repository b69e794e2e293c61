"""The store's inner parts, behind the one public face ``qualcode.db``.

``engine``: the SQLAlchemy engine, ``Project`` and its write transactions (what locks a
write takes), with SQLite's connection set-up in ``sqlite_setup`` (shared with the light
paths); ``schema``: what a project file may contain and which migration it is at;
``copying``: backups and moving a project between backends; ``changes`` and
``announcer``: how a screen learns that someone else changed the project; ``fastpath``:
a coding in a few statements on the driver's connection; ``light`` and ``reader``: the
read-only path with ``sqlite3`` alone and the same statements on an ORM session;
``light_write`` and ``writer``: the import's write path, the same way.
"""
