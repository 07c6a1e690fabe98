"""The caseworker console: staff sign in, read their organisation's cases and answer them.

Imports ``bot.core`` only, never the victim-facing side (tests/test_boundaries.py).
"""
