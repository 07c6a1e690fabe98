"""The small shared core both trust zones use: settings, errors, firewall, safety net, directory.

Modules here must also import on Python 3.10 with only the standard library and PyYAML, because
the Rasa server process (its own Python 3.10 virtual environment) loads the firewall and the
safety net through ``bot.rasa_ext``.
"""
