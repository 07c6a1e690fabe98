"""Plug-ins loaded inside the Rasa server process (Python 3.10, its own virtual environment).

``frontdoor_channel`` is the only input channel Rasa listens on; ``safety_net`` is the last NLU
component. Their Rasa-free logic lives in ``turn_rules`` so it is tested without Rasa.
"""
