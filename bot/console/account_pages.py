"""The signed-in person's own account: changing their passphrase; and the sign-in refusals.

The change form asks for the current passphrase and the code of the moment as well as the new
one, so a borrowed session cookie alone cannot take the account over; it is throttled and counted
like a sign-in. On success every session of the person ends and this browser gets a fresh one.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from bot.console import accounts
from bot.console.kdf_pool import KdfPoolBusyError
from bot.console.sessions import ConsoleSession
from bot.console.web import Console
from bot.core.db.organisations import staff_by_id
from bot.core.passphrase_strength import MIN_GUESS_BITS, WeakPassphraseError

BUSY = "The console is busy checking other sign-ins. Wait a moment, then try again."
FAILED = (
    "Sign-in failed: check your login name, passphrase and the current code. After a few "
    "failed tries each new try has to wait a little longer (at most a minute for a login)."
)
WRONG_CURRENT = "Your current passphrase or the code was not right. Nothing was changed."
MISMATCH = "The two new passphrases differ. Nothing was changed."


def client_address(request: Request) -> str | None:
    """The address uvicorn reports (behind the local reverse proxy, from X-Forwarded-For)."""
    return request.client.host if request.client else None


def refusal_message(refused: accounts.Refused, failed: str = FAILED) -> str:
    if refused.retry_after:
        return (
            "Too many failed tries for this login or from this address. "
            f"Wait {refused.retry_after} seconds, then try again."
        )
    return failed


def refusal_status(refused: accounts.Refused) -> int:
    return 429 if refused.retry_after else 401


async def passphrase_page(request: Request) -> Response:
    console: Console = request.app.state.console
    me = console.current(request)
    return _form(console, request, me, None, 200)


async def change_passphrase(request: Request) -> Response:
    console: Console = request.app.state.console
    me = console.current(request)
    form = await console.form(request, me)
    new, again = str(form.get("new", "")), str(form.get("again", ""))
    if new != again:
        return _form(console, request, me, MISMATCH, 400)
    try:
        result = await console.kdf_pool.run(
            _change_work,
            console,
            me,
            current=str(form.get("current", "")),
            code=str(form.get("code", "")),
            new=new,
            address=client_address(request),
        )
    except WeakPassphraseError as weak:
        return _form(console, request, me, str(weak), 400)
    except KdfPoolBusyError:
        return _form(console, request, me, BUSY, 503)
    if isinstance(result, accounts.Refused):
        message = refusal_message(result, WRONG_CURRENT)
        return _form(console, request, me, message, refusal_status(result))
    now = console.clock()
    console.sessions.end_all_for(me.staff_id)
    fresh = console.sessions.start(
        accounts.SignedIn(me.staff_id, me.organisation_id, me.role, result, me.keys), now
    )
    response = RedirectResponse("/account/passphrase?changed=1", status_code=303)
    lifetime = int(console.sessions.lifetime.total_seconds())
    console.set_cookie(response, console.session_cookie, fresh.token, lifetime)
    return response


def _change_work(
    console: Console, me: ConsoleSession, *, current: str, code: str, new: str, address: str | None
) -> accounts.Refused | int:
    """The new session version on success (the caller's fresh session carries it)."""
    with console.db.transaction() as db:
        refused = accounts.change_own_passphrase(
            db,
            me.staff_id,
            current=current,
            code=code,
            new=new,
            now=console.clock(),
            address=address,
        )
        return refused if refused is not None else staff_by_id(db, me.staff_id).session_version


def _form(
    console: Console, request: Request, me: ConsoleSession, error: str | None, status: int
) -> Response:
    context = {
        "me": me,
        "error": error,
        "changed": request.query_params.get("changed") == "1" and error is None,
        "min_bits": int(MIN_GUESS_BITS),
    }
    return console.render(request, "passphrase.html", context, status)


def routes() -> list[Route]:
    return [
        Route("/account/passphrase", passphrase_page, methods=["GET"]),
        Route("/account/passphrase", change_passphrase, methods=["POST"]),
    ]
