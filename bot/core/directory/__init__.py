"""The advice-services directory; callers import from here, never from its submodules.

``model`` holds the vocabulary and types, ``reader`` loads and checks the YAML file (its
``parse_service`` is the one validator, shared with the console's edits in
``bot.core.db.directory_edits``), and ``ranking`` orders services for a need and shows one as a
card. Nothing here needs a database, so the package also imports inside the Rasa process.
"""

from bot.core.directory.model import (
    DAYS,
    KIND_LABELS,
    NEED_TAGS,
    ContactRoute,
    DirectoryEntryError,
    EmergencyRoute,
    OpeningHours,
    Service,
    SupportNeed,
    UnknownNeedError,
)
from bot.core.directory.ranking import Directory, default_directory, format_service
from bot.core.directory.reader import parse_service
from bot.core.report_fields import NATIONS

__all__ = [
    "DAYS",
    "KIND_LABELS",
    "NATIONS",
    "NEED_TAGS",
    "ContactRoute",
    "Directory",
    "DirectoryEntryError",
    "EmergencyRoute",
    "OpeningHours",
    "Service",
    "SupportNeed",
    "UnknownNeedError",
    "default_directory",
    "format_service",
    "parse_service",
]
