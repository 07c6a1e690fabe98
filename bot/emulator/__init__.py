"""A local stand-in for the Telegram Bot API, with a control API and a chat page for people.

``python -m bot emulator`` serves it; tests build it with ``create_app(Emulator(clock=...))``.
"""

from __future__ import annotations

from bot.emulator.app import create_app, serve
from bot.emulator.state import Emulator

__all__ = ["Emulator", "create_app", "serve"]
