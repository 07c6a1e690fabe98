"""The shared core both trust zones use, in two parts that differ in where they may run.

Everything directly in ``bot.core`` (settings, errors, pseudonyms, the firewall and safety net
with their lexicons, languages and texts, report fields, ``crypto``, ``directory`` and the
sealed ``tracker_vault``) must also import inside the Rasa server: Python 3.10 with its own
virtual environment, where SQLAlchemy is 1.4. ``tracker_vault`` is the one module there that
uses SQLAlchemy, and only the Core API the two versions share.

``bot.core.db`` needs SQLAlchemy 2 and Alembic and is imported only by the Python 3.11
processes (front end, action server, console, CLI); nothing outside it in ``bot.core`` may
import it.
"""
