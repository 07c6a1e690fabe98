"""Small named exceptions. Catch ``LanternError`` only at the edges (handlers, actions, CLI)."""


class LanternError(Exception):
    """Base class for every error this project raises on purpose."""


class ConfigurationError(LanternError):
    """A setting is missing or malformed; raised at start-up, never silently defaulted."""


class DataFileError(LanternError):
    """A data file shipped in ``data/`` (lexicon, directory, patterns) is missing or malformed."""


class AssistantUnavailableError(LanternError):
    """The Rasa server could not be reached or answered with an error."""
