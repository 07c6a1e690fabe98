"""The console's pages and form handlers; each handler is a few lines over ``Cases``."""

from __future__ import annotations

from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from bot.console import account_pages, accounts, directory_pages, stats
from bot.console.account_pages import BUSY, client_address, refusal_message, refusal_status
from bot.console.cases import OUTCOMES
from bot.console.kdf_pool import KdfPoolBusyError
from bot.console.report_view import report_answers
from bot.console.sessions import same_token
from bot.console.web import Console, CsrfRefusedError, new_csrf_token
from bot.core.db.audit import verify_chain
from bot.core.db.models import AuditEntry

AUDIT_PAGE_ENTRIES = 200


def _console(request: Request) -> Console:
    console: Console = request.app.state.console
    return console


def _see_other(path: str) -> Response:
    return RedirectResponse(path, status_code=303)


async def sign_in_page(request: Request) -> Response:
    return _sign_in_form(request, None, 200)


def _sign_in_form(request: Request, error: str | None, status: int) -> Response:
    console = _console(request)
    token = new_csrf_token()
    response = console.render(request, "sign_in.html", {"csrf": token, "error": error}, status)
    console.set_cookie(response, console.sign_in_cookie, token, max_age=900)
    return response


async def sign_in(request: Request) -> Response:
    console = _console(request)
    form = await request.form()
    expected, offered = request.cookies.get(console.sign_in_cookie), form.get("csrf")
    if not (expected and isinstance(offered, str) and same_token(offered, expected)):
        raise CsrfRefusedError("missing or wrong CSRF token")
    try:
        # Argon2id runs on a pool thread: the event loop keeps serving everyone else's pages.
        result = await console.kdf_pool.run(
            _sign_in_work,
            console,
            str(form.get("login", "")).strip().lower(),
            str(form.get("passphrase", "")),
            str(form.get("code", "")),
            client_address(request),
        )
    except KdfPoolBusyError:
        return _sign_in_form(request, BUSY, 503)
    if isinstance(result, accounts.Refused):
        return _sign_in_form(request, refusal_message(result), refusal_status(result))
    session = console.sessions.start(result, console.clock())
    response = _see_other("/")
    lifetime = int(console.sessions.lifetime.total_seconds())
    console.set_cookie(response, console.session_cookie, session.token, lifetime)
    console.delete_cookie(response, console.sign_in_cookie)
    return response


def _sign_in_work(
    console: Console, login: str, passphrase: str, code: str, address: str | None
) -> accounts.SignedIn | accounts.Refused:
    with console.db.transaction() as db:
        return accounts.sign_in(db, login, passphrase, code, console.clock(), address=address)


async def sign_out(request: Request) -> Response:
    console = _console(request)
    session = console.current(request)
    form = await console.form(request, session)
    if form.get("everywhere"):
        with console.db.transaction() as db:
            accounts.end_all_sessions(db, session.staff_id, console.clock())
        console.sessions.end_all_for(session.staff_id)
    console.sessions.end(session.token)
    response = _see_other("/sign-in")
    console.delete_cookie(response, console.session_cookie)
    return response


async def queue(request: Request) -> Response:
    console = _console(request)
    me = console.current(request)
    rows = console.cases.queue(me)
    return console.render(request, "queue.html", {"me": me, "rows": rows})


async def case_page(request: Request) -> Response:
    console = _console(request)
    me = console.current(request)
    view = console.cases.view(me, request.path_params["handoff_id"])
    services = sorted(console.cases.current_directory().services, key=lambda s: s.name)
    answers = report_answers(view.report) if view.report is not None else []
    context = {
        "me": me,
        "case": view,
        "answers": answers,
        "outcomes": OUTCOMES,
        "services": services,
    }
    return console.render(request, "case.html", context)


async def case_action(request: Request) -> Response:
    console = _console(request)
    me = console.current(request)
    form = await console.form(request, me)
    handoff_id, action = request.path_params["handoff_id"], request.path_params["action"]
    cases = console.cases
    if action == "claim":
        cases.claim(me, handoff_id)
    elif action == "release":
        cases.release(me, handoff_id)
    elif action == "reply":
        cases.reply(me, handoff_id, str(form.get("text", "")))
    elif action == "note":
        cases.add_note(me, handoff_id, str(form.get("text", "")))
    elif action == "close":
        service = str(form.get("service", "")) or None
        cases.close(me, handoff_id, str(form.get("outcome", "")), service)
        return _see_other("/")
    else:
        return console.render(request, "error.html", {"message": "Unknown action."}, 404)
    return _see_other(f"/cases/{handoff_id}")


async def statistics_page(request: Request) -> Response:
    console = _console(request)
    me = console.current(request)
    tables = stats.statistics(console.db, me.organisation_id, me.actor)
    charts = {
        name: stats.bar_chart_svg(cells, f"Cases by {name}") for name, cells in tables.items()
    }
    context = {"me": me, "tables": tables, "charts": charts, "suppress": stats.SUPPRESS_BELOW}
    return console.render(request, "statistics.html", context)


async def statistics_csv(request: Request) -> Response:
    console = _console(request)
    me = console.current(request)
    body = stats.statistics_csv(stats.statistics(console.db, me.organisation_id, me.actor))
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": 'attachment; filename="lantern-statistics.csv"'},
    )


async def audit_page(request: Request) -> Response:
    console = _console(request)
    me = console.current_supervisor(request)
    result = None
    if request.method == "POST":
        await console.form(request, me)
    with console.db.transaction() as db:
        if request.method == "POST":
            result = verify_chain(db)
        # A supervisor oversees their own organisation only: its staff and its cases.
        entries = db.scalars(
            select(AuditEntry)
            .where(AuditEntry.organisation_id == me.organisation_id)
            .order_by(AuditEntry.seq.desc())
            .limit(AUDIT_PAGE_ENTRIES)
        ).all()
    return console.render(request, "audit.html", {"me": me, "entries": entries, "result": result})


def routes() -> list[Route]:
    return [
        Route("/sign-in", sign_in_page, methods=["GET"]),
        Route("/sign-in", sign_in, methods=["POST"]),
        Route("/sign-out", sign_out, methods=["POST"]),
        Route("/", queue, methods=["GET"]),
        Route("/cases/{handoff_id:str}", case_page, methods=["GET"]),
        Route("/cases/{handoff_id:str}/{action:str}", case_action, methods=["POST"]),
        Route("/statistics", statistics_page, methods=["GET"]),
        Route("/statistics.csv", statistics_csv, methods=["GET"]),
        Route("/audit", audit_page, methods=["GET", "POST"]),
        *directory_pages.routes(),
        *account_pages.routes(),
    ]
