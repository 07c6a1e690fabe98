"""Lantern's Rasa custom actions, served by the rasa-sdk action server (`make run`)."""
