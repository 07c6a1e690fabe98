"""One frozen, typed settings object, read once from the environment at start-up.

Secrets are read from files named by environment variables (never from the variables themselves,
which leak into ``/proc`` and crash reports). A missing or empty secret raises
``ConfigurationError`` at start-up; it never silently becomes ``""``.

The console reads :class:`ConsoleSettings` instead (``load_console_settings``): it names no
secret of the bot side at all, only the front end's public key and the key pins, so a seized
console host holds nothing that opens a chat link.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from bot.core.errors import ConfigurationError
from bot.core.key_pins import KeyPins, read_key_pins
from bot.core.private_files import refuse_shared_secret_file, refuse_writable_by_others

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DATA_DIR = PROJECT_ROOT / "data"

# Below this many bytes an HMAC key is too weak to stop an offline guess of a Telegram id.
MIN_SECRET_BYTES = 32
# With no token configured the front end talks to the local Bot API emulator (python -m bot
# emulator) with this fixed, well-formed development token; it is not a secret.
LOCAL_TELEGRAM_TOKEN = "123456:LOCAL"  # noqa: S105 - a dev token the emulator accepts, not a secret
LOCAL_TELEGRAM_BASE_URL = "http://127.0.0.1:8081/bot"
TELEGRAM_BASE_URL = "https://api.telegram.org/bot"
# Telegram's secret_token alphabet and length (setWebhook).
_WEBHOOK_SECRET = re.compile(r"[A-Za-z0-9_-]{32,256}")
# Group and supergroup ids are negative (users' are positive); at most 52 bits, a sign and digits.
_GROUP_CHAT_ID = re.compile(r"-[1-9][0-9]{0,15}")


@dataclass(frozen=True)
class Settings:
    """Everything a process of this project needs to know, fixed for its lifetime."""

    var_dir: Path
    data_dir: Path
    rasa_url: str
    database_url: str
    pseudonym_key_file: Path
    # Rasa's tracker store: its own key, backend URL (SQLite, PostgreSQL or Redis) and idle expiry.
    tracker_key_file: Path
    tracker_url: str
    tracker_expiry_minutes: int
    # Retention of `python -m bot purge`: unclaimed drafts, then closed or withdrawn cases.
    purge_draft_days: int
    purge_closed_days: int
    # The Telegram front end (bot/frontdoor/telegram_app.py).
    front_end_key_file: Path
    # Keys the audit chain (bot/core/db/audit.py); every process that writes the log holds it.
    audit_key_file: Path
    telegram_base_url: str
    # Written by `make keys` from the front-end secret; the console seals the outbox to it.
    front_end_public_key_file: Path
    # The organisation keys sealing may use (bot/core/key_pins.py).
    organisation_key_pins_file: Path
    # Kept out of repr: a Settings printed in a traceback must not carry the token.
    telegram_token_file: Path | None = field(default=None, repr=False)
    telegram_token_variable: str | None = field(default=None, repr=False)
    rasa_timeout_seconds: float = 20.0
    # How long the sealed chat id is kept for outbox delivery after the person's last message.
    chat_link_days: int = 30
    # Webhook mode when a public URL is set; the secret file is then required.
    telegram_webhook_url: str | None = None
    telegram_webhook_secret_file: Path | None = None
    telegram_webhook_listen: str = "127.0.0.1"
    telegram_webhook_port: int = 8443
    # The staff Telegram group told "N new handoffs" (bot/frontdoor/staff_ping.py); None = silent.
    staff_chat_id: int | None = None

    def pseudonym_key(self) -> bytes:
        """The key that turns a Telegram or terminal id into a pseudonym; required, never empty."""
        return read_secret_file(self.pseudonym_key_file, "LANTERN_PSEUDONYM_KEY_FILE")

    def tracker_key(self) -> bytes:
        """The secret that seals Rasa's trackers at rest; held by the Rasa process (and the CLI)."""
        return read_secret_file(self.tracker_key_file, "LANTERN_TRACKER_KEY_FILE")

    def front_end_key(self) -> bytes:
        """Seals the chat ids and outbox messages only the front end may read."""
        return read_secret_file(self.front_end_key_file, "LANTERN_FRONT_END_KEY_FILE")

    def audit_key(self) -> bytes:
        """The HMAC key of the audit chain: off the database, so a copy of it cannot forge one."""
        return read_secret_file(self.audit_key_file, AUDIT_KEY_VARIABLE)

    def organisation_key_pins(self) -> KeyPins:
        """The organisation keys reports may be sealed to; a missing file fails loudly."""
        return read_key_pins(self.organisation_key_pins_file, PINS_VARIABLE)

    def for_console(self) -> ConsoleSettings:
        """The same deployment as the console sees it: public halves and paths only."""
        return ConsoleSettings(
            var_dir=self.var_dir,
            data_dir=self.data_dir,
            database_url=self.database_url,
            front_end_public_key_file=self.front_end_public_key_file,
            organisation_key_pins_file=self.organisation_key_pins_file,
            audit_key_file=self.audit_key_file,
        )

    def telegram_token(self) -> str:
        """The bot token: from its file, else TELEGRAM_BOT_TOKEN, else the local dev token."""
        if self.telegram_token_file is not None:
            return read_secret_file(
                self.telegram_token_file, "LANTERN_TELEGRAM_TOKEN_FILE"
            ).decode()
        return self.telegram_token_variable or LOCAL_TELEGRAM_TOKEN

    def telegram_webhook_secret(self) -> str:
        """The X-Telegram-Bot-Api-Secret-Token every pushed update must carry (webhook mode)."""
        if self.telegram_webhook_secret_file is None:
            raise ConfigurationError(
                "webhook mode needs LANTERN_TELEGRAM_WEBHOOK_SECRET_FILE (32-256 characters "
                "of A-Z, a-z, 0-9, _ and -)"
            )
        secret = read_secret_file(
            self.telegram_webhook_secret_file, "LANTERN_TELEGRAM_WEBHOOK_SECRET_FILE"
        ).decode("ascii", errors="replace")
        if _WEBHOOK_SECRET.fullmatch(secret) is None:
            raise ConfigurationError("the webhook secret may hold only A-Z, a-z, 0-9, _ and -")
        return secret


@dataclass(frozen=True)
class ConsoleSettings:
    """What the staff console needs: no secret of the bot side (no front-end, pseudonym or
    tracker key), so nothing a seized console host holds can open a chat link."""

    var_dir: Path
    data_dir: Path
    database_url: str
    front_end_public_key_file: Path
    organisation_key_pins_file: Path
    audit_key_file: Path

    def audit_key(self) -> bytes:
        """The console writes the audit log too (sign-ins, replies), so it keys the chain."""
        return read_secret_file(self.audit_key_file, AUDIT_KEY_VARIABLE)

    def front_end_public_key_hex(self) -> str:
        """The front end's public key the outbox is sealed to; a missing file fails loudly."""
        refuse_writable_by_others(self.front_end_public_key_file, PUBLIC_KEY_VARIABLE)
        try:
            return self.front_end_public_key_file.read_text(encoding="ascii").strip()
        except (OSError, UnicodeDecodeError) as error:
            raise ConfigurationError(
                f"the front end's public key file {self.front_end_public_key_file} could not "
                f"be read; set {PUBLIC_KEY_VARIABLE} to the file `make keys` (python -m bot "
                "local-setup) writes beside the front end's key"
            ) from error

    def organisation_key_pins(self) -> KeyPins:
        """The organisation keys notes and replies may be sealed to."""
        return read_key_pins(self.organisation_key_pins_file, PINS_VARIABLE)


PUBLIC_KEY_VARIABLE = "LANTERN_FRONT_END_PUBLIC_KEY_FILE"
PINS_VARIABLE = "LANTERN_ORGANISATION_KEY_PINS_FILE"
AUDIT_KEY_VARIABLE = "LANTERN_AUDIT_KEY_FILE"


def load_console_settings(environ: Mapping[str, str] | None = None) -> ConsoleSettings:
    """The console's settings; never reads a variable naming a bot-side secret."""
    env = os.environ if environ is None else environ
    var_dir = _var_dir(env)
    return ConsoleSettings(
        var_dir=var_dir,
        data_dir=Path(env.get("LANTERN_DATA_DIR", str(DATA_DIR))),
        database_url=_database_url(env, var_dir),
        front_end_public_key_file=_public_key_file(env, var_dir),
        organisation_key_pins_file=_pins_file(env, var_dir),
        audit_key_file=_audit_key_file(env, var_dir),
    )


def _var_dir(env: Mapping[str, str]) -> Path:
    return Path(env.get("LANTERN_VAR_DIR", str(PROJECT_ROOT / "var")))


def _database_url(env: Mapping[str, str], var_dir: Path) -> str:
    return env.get("LANTERN_DATABASE_URL", f"sqlite:///{var_dir / 'lantern.db'}")


def _public_key_file(env: Mapping[str, str], var_dir: Path) -> Path:
    return Path(env.get(PUBLIC_KEY_VARIABLE, str(var_dir / "keys" / "front_end.pub")))


def _audit_key_file(env: Mapping[str, str], var_dir: Path) -> Path:
    return Path(env.get(AUDIT_KEY_VARIABLE, str(var_dir / "keys" / "audit.key")))


def _pins_file(env: Mapping[str, str], var_dir: Path) -> Path:
    return Path(env.get(PINS_VARIABLE, str(var_dir / "keys" / "organisation_keys.pins")))


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Read the settings once; pass the result in, never read the environment again."""
    env = os.environ if environ is None else environ
    var_dir = _var_dir(env)
    token_variable = env.get("TELEGRAM_BOT_TOKEN") or None
    local = token_variable is None and not env.get("LANTERN_TELEGRAM_TOKEN_FILE")
    default_base_url = LOCAL_TELEGRAM_BASE_URL if local else TELEGRAM_BASE_URL
    return Settings(
        var_dir=var_dir,
        data_dir=Path(env.get("LANTERN_DATA_DIR", str(DATA_DIR))),
        rasa_url=env.get("LANTERN_RASA_URL", "http://127.0.0.1:5005").rstrip("/"),
        database_url=_database_url(env, var_dir),
        pseudonym_key_file=Path(
            env.get("LANTERN_PSEUDONYM_KEY_FILE", str(var_dir / "keys" / "pseudonym.key"))
        ),
        tracker_key_file=Path(
            env.get("LANTERN_TRACKER_KEY_FILE", str(var_dir / "keys" / "tracker.key"))
        ),
        tracker_url=env.get("LANTERN_TRACKER_URL", f"sqlite:///{var_dir / 'tracker.db'}"),
        tracker_expiry_minutes=_positive_int(env, "LANTERN_TRACKER_EXPIRY_MINUTES", 30),
        purge_draft_days=_positive_int(env, "LANTERN_PURGE_DRAFT_DAYS", 7),
        purge_closed_days=_positive_int(env, "LANTERN_PURGE_CLOSED_DAYS", 90),
        front_end_key_file=Path(
            env.get("LANTERN_FRONT_END_KEY_FILE", str(var_dir / "keys" / "front_end.key"))
        ),
        audit_key_file=_audit_key_file(env, var_dir),
        telegram_base_url=env.get("LANTERN_TELEGRAM_BASE_URL", default_base_url),
        front_end_public_key_file=_public_key_file(env, var_dir),
        organisation_key_pins_file=_pins_file(env, var_dir),
        telegram_token_file=_optional_path(env, "LANTERN_TELEGRAM_TOKEN_FILE"),
        telegram_token_variable=token_variable,
        rasa_timeout_seconds=float(_positive_int(env, "LANTERN_RASA_TIMEOUT_SECONDS", 20)),
        chat_link_days=_positive_int(env, "LANTERN_CHAT_LINK_DAYS", 30),
        telegram_webhook_url=env.get("LANTERN_TELEGRAM_WEBHOOK_URL") or None,
        telegram_webhook_secret_file=_optional_path(env, "LANTERN_TELEGRAM_WEBHOOK_SECRET_FILE"),
        telegram_webhook_listen=env.get("LANTERN_TELEGRAM_WEBHOOK_LISTEN", "127.0.0.1"),
        telegram_webhook_port=_positive_int(env, "LANTERN_TELEGRAM_WEBHOOK_PORT", 8443),
        staff_chat_id=_group_chat_id(env, "LANTERN_STAFF_CHAT_ID"),
    )


def _optional_path(env: Mapping[str, str], variable: str) -> Path | None:
    raw = env.get(variable)
    return Path(raw) if raw else None


def _positive_int(env: Mapping[str, str], variable: str, default: int) -> int:
    raw = env.get(variable)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value < 1:
        raise ConfigurationError(f"{variable} must be a whole number of at least 1")
    return value


def _group_chat_id(env: Mapping[str, str], variable: str) -> int | None:
    raw = env.get(variable, "").strip()
    if not raw:
        return None
    if _GROUP_CHAT_ID.fullmatch(raw) is None:
        # A typo here would otherwise fail only at the first ping, maybe hours later.
        raise ConfigurationError(
            f"{variable} must be a Telegram group chat id: a negative whole number such as "
            "-1001234567890 (unset it to send no staff pings)"
        )
    return int(raw)


def read_secret_file(path: Path, variable: str) -> bytes:
    """Read a secret, failing loudly when it is missing, open to group or others (a key another
    local account could copy is no key), or too short to be a real key."""
    refuse_shared_secret_file(path, variable)
    try:
        secret = path.read_bytes().strip()
    except OSError as error:
        raise ConfigurationError(
            f"secret file {path} could not be read ({error.strerror}); set {variable} "
            "or run `make keys` for a local run"
        ) from error
    if len(secret) < MIN_SECRET_BYTES:
        raise ConfigurationError(f"secret file {path} holds under {MIN_SECRET_BYTES} bytes")
    return secret
