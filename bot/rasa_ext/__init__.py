"""Plug-ins loaded inside the Rasa server process (Python 3.10, its own virtual environment).

``frontdoor_channel`` is the only input channel Rasa listens on; ``safety_net`` is the last NLU
component. Their Rasa-free logic lives in ``bot.core.turn_rules``, which the front end shares,
so it is tested without Rasa.
"""
