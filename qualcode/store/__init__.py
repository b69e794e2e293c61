"""The store's inner parts, behind the one public face ``qualcode.db``.

``engine``: the SQLAlchemy engine, ``Project`` and its write transactions (what locks a
write takes); ``schema``: what a project file may contain and which migration it is at;
``copying``: backups and moving a project between backends; ``changes``: how a screen
learns that someone else changed the project (``change_marker``, ``ChangeFeed``).
"""
