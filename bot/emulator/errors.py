"""Errors the emulator answers with, shaped like the Bot API's and the control API's."""

from __future__ import annotations

from bot.core.errors import LanternError


class ApiError(LanternError):
    """A Bot API call failed the way Telegram fails it: ``error_code`` plus ``description``."""

    def __init__(
        self,
        code: int,
        description: str,
        retry_after: int | None = None,
        migrate_to_chat_id: int | None = None,
    ) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.retry_after = retry_after
        self.migrate_to_chat_id = migrate_to_chat_id

    def parameters(self) -> dict[str, int]:
        """Telegram's ``ResponseParameters``: what the caller can do about this error."""
        given = {"retry_after": self.retry_after, "migrate_to_chat_id": self.migrate_to_chat_id}
        return {key: value for key, value in given.items() if value is not None}


QUERY_INVALID = "query is too old and response timeout expired or query ID is invalid"


def bad_request(reason: str) -> ApiError:
    return ApiError(400, f"Bad Request: {reason}")


def forbidden(reason: str) -> ApiError:
    return ApiError(403, f"Forbidden: {reason}")


def conflict(reason: str) -> ApiError:
    return ApiError(409, f"Conflict: {reason}")


def too_many_requests(retry_after: int) -> ApiError:
    return ApiError(429, f"Too Many Requests: retry after {retry_after}", retry_after)


def migrated(new_chat_id: int) -> ApiError:
    return ApiError(
        400,
        "Bad Request: group chat was upgraded to a supergroup chat",
        migrate_to_chat_id=new_chat_id,
    )


class ControlError(LanternError):
    """A control-API request was malformed or named something that does not exist."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
