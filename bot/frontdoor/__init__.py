"""The victim-facing front door: every front end reaches Rasa only through here.

It replaces account ids with pseudonyms, defangs typed slash commands, renders buttons, and
keeps answering with the emergency routes when the assistant behind it is down. It never
imports the staff console.
"""
