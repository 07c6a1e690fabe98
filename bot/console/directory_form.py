"""The directory edit form: a service as form values, form values as an entry in the file's
shape, and the validator's verdict as a kind message next to the field it is about.

The form only reshapes what was typed (lists split at commas, ticks to true or false); every
check is the shared validator's (``bot.core.directory.parse_service``), run by
``bot.core.db.directory_edits.save_edit``. Values travel as ``FormValues`` both ways, so a refused
form comes back holding exactly what was typed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from starlette.datastructures import FormData

from bot.core.directory import DAYS, DirectoryEntryError, Service

FormValues = dict[str, Any]  # field name -> str, or list[str] for ticked boxes

MULTI_FIELDS = ("helps_with", "nations", "regions")
FLAGS = ("women_only", "one_community", "interpreting", "shares_with_police")
SINGLE_FIELDS = ("id", "name", "who", "languages", "source", "verified", "caution",
                 "immigration_advice", "hours_mode", *FLAGS,
                 *(f"hours-{day}" for day in DAYS))  # fmt: skip
CONTACT_PARTS = ("kind", "value", "free", "note")
BLANK_CONTACT_ROWS = 2  # spare rows for new ways in; more can be added after saving
MAX_CONTACT_ROWS = 12
TRI_STATE = {"yes": True, "no": False}  # anything else: the source does not say (null)

LABELS = {
    "id": "Short id",
    "name": "Name",
    "who": "Who it is for",
    "helps_with": "Helps with",
    "nations": "Nations covered",
    "regions": "English regions",
    "languages": "Languages",
    "contact": "Ways to get in touch",
    "hours": "Opening hours",
    "immigration_advice": "Gives immigration advice",
    "source": "Source",
    "verified": "Date verified",
    "caution": "Caution shown to the person",
}
CONTACT_LABELS = {
    "kind": "kind",
    "value": "number or address",
    "free": "free-to-call answer",
    "note": "note",
}
# The validator speaks to someone editing YAML; these say the same about the form, keyed by the
# problem or by (form field, problem).
KINDER: dict[object, str] = {
    "is missing or not text": "is empty: please fill it in",
    "holds a value outside its vocabulary": "holds a value Lantern does not know",
    ("languages", "holds a value outside its vocabulary"): (
        "must be two-letter codes separated by commas, e.g. en, cy"
    ),
    "must be a non-empty list": "needs at least one choice",
    "is missing: every fact needs the URL it came from": (
        "is empty: give the web page (https://...) where you checked these facts"
    ),
    "is missing or not an ISO date (YYYY-MM-DD)": (
        "is missing or not a date: give the day you checked the source"
    ),
    "must be null, {always: true} or days mon..sun with slots": (
        'needs times for at least one day, or choose "Open at all hours" or "Not known"'
    ),
    "slots must look like 09:00-17:00, within one day": (
        "must be times like 09:00-17:00, separated by commas, each ending after it starts"
    ),
}
_CONTACT_FIELD = re.compile(r"contact\[(\d+)\]\.(\w+)")
_NOT_ID_CHARS = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True)
class FormError:
    field: str  # the form field's name, so the template can mark and link it
    message: str


def values_of(service: Service | None) -> FormValues:
    """The form filled in from ``service``, or empty for a new one; spare contact rows added."""
    if service is None:
        return _with_spare_rows({"languages": "en", "hours_mode": "unknown"}, 0)
    values: FormValues = {
        "id": service.id,
        "name": service.name,
        "who": service.who,
        "helps_with": sorted(service.helps_with),
        "nations": sorted(service.nations),
        "regions": sorted(service.regions),
        "languages": ", ".join(sorted(service.languages)),
        "immigration_advice": _tri_text(service.immigration_advice),
        "source": service.source,
        "verified": service.verified.isoformat(),
        "caution": service.caution or "",
    }
    values.update({flag: "yes" for flag in FLAGS if getattr(service, flag)})
    for index, route in enumerate(service.contact):
        values[f"contact-{index}-kind"] = route.kind
        values[f"contact-{index}-value"] = route.value
        values[f"contact-{index}-free"] = _tri_text(route.free)
        values[f"contact-{index}-note"] = route.note or ""
    if service.hours is None:
        values["hours_mode"] = "unknown"
    elif service.hours.always:
        values["hours_mode"] = "always"
    else:
        values["hours_mode"] = "weekly"
        for day, slots in zip(DAYS, service.hours.weekly, strict=True):
            values[f"hours-{day}"] = ", ".join(f"{_clock(s)}-{_clock(e)}" for s, e in slots)
    return _with_spare_rows(values, len(service.contact))


def values_from_form(form: FormData) -> FormValues:
    """What was typed, as text, kept as it is to show again if it is refused."""
    values: FormValues = {name: [str(v) for v in form.getlist(name)] for name in MULTI_FIELDS}
    values.update({name: str(form.get(name, "")) for name in SINGLE_FIELDS})
    # Rows left empty are dropped and the rest renumbered, so row n of the form is contact[n]
    # of the entry and the validator's verdict lands on the row it is about.
    rows = 0
    for index in range(MAX_CONTACT_ROWS):
        row = {part: str(form.get(f"contact-{index}-{part}", "")) for part in CONTACT_PARTS}
        if row["value"].strip() or row["note"].strip():
            values.update({f"contact-{rows}-{part}": text for part, text in row.items()})
            rows += 1
    return _with_spare_rows(values, rows)


def entry_from_values(values: FormValues, service_id: str | None) -> dict[str, Any]:
    """One service in the file's entry shape. ``service_id`` is the edited service's; for a new
    one it is the typed id, or one made from the name when none was typed."""

    def text(name: str) -> str:
        return str(values.get(name, "")).strip()

    entry: dict[str, Any] = {
        "id": service_id or text("id") or _NOT_ID_CHARS.sub("_", text("name").lower()).strip("_"),
        "name": text("name"),
        "helps_with": list(values.get("helps_with", [])),
        "who": text("who"),
        "women_only": text("women_only") == "yes",
        "one_community": text("one_community") == "yes",
        # No nation ticked: the source does not say where they work (null, as in the file).
        "nations": list(values.get("nations", [])) or None,
        "languages": [
            code.strip().lower() for code in text("languages").split(",") if code.strip()
        ],
        "interpreting": text("interpreting") == "yes",
        "contact": _contact(values),
        "hours": _hours(values),
        "immigration_advice": TRI_STATE.get(text("immigration_advice")),
        "shares_with_police": text("shares_with_police") == "yes",
        "source": text("source"),
        "verified": text("verified"),
        "caution": text("caution") or None,
    }
    if values.get("regions"):
        entry["regions"] = list(values["regions"])
    return entry


def form_error(field: str, message: str) -> FormError:
    """A refusal by ``save_edit`` (a whole sentence), placed on its form field."""
    name, label = _form_field(field)
    return FormError(name, f"{label}: {message}")


def entry_error(error: DirectoryEntryError) -> FormError:
    """The validator's verdict as a sentence about the form field, e.g. "Source must be an
    https:// URL."."""
    name, label = _form_field(error.field)
    problem = KINDER.get((name, error.problem)) or KINDER.get(error.problem) or error.problem
    return FormError(name, f"{label} {problem}.")


def _form_field(field: str) -> tuple[str, str]:
    """The form field's name and label for an entry field path such as ``contact[1].value``."""
    if match := _CONTACT_FIELD.fullmatch(field):
        index, part = int(match.group(1)), match.group(2)
        return f"contact-{index}-{part}", f"The {CONTACT_LABELS[part]} of way {index + 1}"
    if field.startswith("hours."):
        day = field.removeprefix("hours.")
        return f"hours-{day}", f"Opening hours on {day.title()}"
    top = re.split(r"[\[.]", field, maxsplit=1)[0]
    return "hours_mode" if top == "hours" else top, LABELS.get(top, top.replace("_", " "))


def _contact(values: FormValues) -> list[dict[str, Any]]:
    routes = []
    for index in range(MAX_CONTACT_ROWS):
        value = str(values.get(f"contact-{index}-value", "")).strip()
        note = str(values.get(f"contact-{index}-note", "")).strip()
        if not (value or note):
            continue  # a spare row left empty (values_from_form has dropped those it read)
        route: dict[str, Any] = {
            "kind": str(values.get(f"contact-{index}-kind", "")),
            "value": value,
            "free": TRI_STATE.get(str(values.get(f"contact-{index}-free", ""))),
        }
        if note:
            route["note"] = note
        routes.append(route)
    return routes


def _hours(values: FormValues) -> object:
    mode = str(values.get("hours_mode", ""))
    if mode == "always":
        return {"always": True}
    if mode != "weekly":
        return None
    weekly = {}
    for day in DAYS:
        typed = str(values.get(f"hours-{day}", ""))
        slots = [_slot_text(slot) for slot in typed.split(",") if slot.strip()]
        if slots:
            weekly[day] = slots
    return weekly


def _slot_text(typed: str) -> str:
    """``9:00 – 17:00`` as the file writes it, ``09:00-17:00``; anything else is left for the
    validator to refuse."""
    slot = re.sub(r"\s+", "", typed).replace("–", "-").replace("—", "-")
    return re.sub(r"(?<!\d)(\d):", r"0\1:", slot)


def _with_spare_rows(values: FormValues, rows: int) -> FormValues:
    values["contact_rows"] = min(rows + BLANK_CONTACT_ROWS, MAX_CONTACT_ROWS)
    return values


def _tri_text(value: bool | None) -> str:
    return "" if value is None else "yes" if value else "no"


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"
