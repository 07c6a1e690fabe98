"""The database side of the core: schema, migrations, the unit of work and its repositories.

Everything here needs SQLAlchemy 2 (typed ORM, ``Mapped``) and Alembic, so only the Python 3.11
processes import it: the front end, the action server, the console and the CLI. The Rasa server
(Python 3.10, SQLAlchemy 1.4) must never import this package; ``tests/test_boundaries.py``
checks that on the real tree and in a real Rasa interpreter.
"""
