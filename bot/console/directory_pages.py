"""The directory pages: everyone reads the advice services; supervisors and admins edit and add.

Emergency routes are shown but never editable here (``bot.core.db.directory_edits`` refuses them
too). A refused form comes back with what was typed and one kind message on the field at fault.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from bot.console.directory_form import (
    FormError,
    FormValues,
    entry_error,
    entry_from_values,
    form_error,
    values_from_form,
    values_of,
)
from bot.console.sessions import ConsoleSession
from bot.console.web import Console
from bot.core.db.directory_edits import (
    DirectoryEditRefusedError,
    NoSuchServiceError,
    edit_marks,
    save_edit,
)
from bot.core.directory import DAYS, KIND_LABELS, NATIONS, NEED_TAGS, DirectoryEntryError
from bot.core.report_fields import ENGLISH_REGIONS
from bot.core.uk_time import uk_today

DIRECTORY_STALE_DAYS = 183  # about six months


def _console(request: Request) -> Console:
    console: Console = request.app.state.console
    return console


async def directory_page(request: Request) -> Response:
    console = _console(request)
    me = console.current(request)
    directory = console.cases.current_directory()
    with console.db.transaction() as db:
        marks = edit_marks(db)
    today = uk_today(console.clock())
    stale = {service.id for service in directory.stale(today, DIRECTORY_STALE_DAYS)}
    services = sorted(directory.services, key=lambda service: (service.verified, service.name))
    context = {
        "me": me,
        "services": services,
        "stale": stale,
        "marks": marks,
        "routes": directory.emergency_routes,
        # Only a known id is echoed back, and then as that service's name.
        "saved": directory.service(request.query_params.get("saved", "")),
        "kinds": KIND_LABELS,
    }
    return console.render(request, "directory.html", context)


async def directory_form_page(request: Request) -> Response:
    """``/directory/add`` (blank) or ``/directory/edit/{service_id}`` (filled in)."""
    me = _console(request).current_supervisor(request)
    service_id = request.path_params.get("service_id")
    service = None
    if service_id is not None:
        service = _console(request).cases.current_directory().service(service_id)
        if service is None:
            return _no_such_service(request)
    return _directory_form(request, me, service_id, values_of(service), None, status=200)


async def directory_save(request: Request) -> Response:
    console = _console(request)
    me = _console(request).current_supervisor(request)
    form = await console.form(request, me)
    service_id = request.path_params.get("service_id")
    values = values_from_form(form)
    entry = entry_from_values(values, service_id)
    try:
        with console.db.transaction() as db:
            adding = service_id is None
            saved = save_edit(
                db, console.directory, entry, me.actor, console.clock(), adding=adding
            )
    except NoSuchServiceError:
        return _no_such_service(request)
    except DirectoryEditRefusedError as refused:
        error = form_error(refused.field, str(refused))
    except DirectoryEntryError as invalid:
        error = entry_error(invalid)
    else:
        return RedirectResponse(f"/directory?saved={saved.id}#service-{saved.id}", 303)
    return _directory_form(request, me, service_id, values, error, status=400)


def _directory_form(
    request: Request,
    me: ConsoleSession,
    service_id: str | None,
    values: FormValues,
    error: FormError | None,
    *,
    status: int,
) -> Response:
    context = {
        "me": me,
        "service_id": service_id,
        "v": values,
        "error": error,
        "need_tags": sorted(NEED_TAGS),
        "nations": sorted(NATIONS),
        "regions": sorted(ENGLISH_REGIONS),
        "kinds": KIND_LABELS,
        "days": DAYS,
    }
    return _console(request).render(request, "directory_edit.html", context, status)


def _no_such_service(request: Request) -> Response:
    message = "There is no such service in the directory."
    return _console(request).render(request, "error.html", {"message": message}, 404)


def routes() -> list[Route]:
    return [
        Route("/directory", directory_page, methods=["GET"]),
        Route("/directory/add", directory_form_page, methods=["GET"]),
        Route("/directory/add", directory_save, methods=["POST"]),
        Route("/directory/edit/{service_id:str}", directory_form_page, methods=["GET"]),
        Route("/directory/edit/{service_id:str}", directory_save, methods=["POST"]),
    ]
