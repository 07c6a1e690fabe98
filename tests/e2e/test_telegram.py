"""The Telegram front end end to end: people in the Bot API emulator, the real PTB front end
(`python -m bot telegram`), the real Rasa server and the real action server."""

from __future__ import annotations

import json
import os
import secrets
import threading
import time
from pathlib import Path
from typing import Any

import httpx

from bot.core.config import load_settings
from bot.core.languages import ENGLISH
from bot.core.locale import catalogue, catalogues
from bot.core.pseudonym import pseudonym_for
from bot.core.tracker_vault import tracker_vault_for
from bot.devstack import Stack
from tests.e2e.emulated import WAIT_SECONDS, FrontEnd, Person, bot_messages, bot_text, labels
from tests.support import free_port, set_up_local_run


def person(telegram: FrontEnd) -> Person:
    return Person(telegram.emulator)


def test_a_conversation_with_buttons(telegram: FrontEnd) -> None:
    someone = person(telegram)
    someone.say("/start")
    # The languages come first, each by its own name, then the safety question in the one chosen
    chat = someone.wait_for_bot_text("Choose your language")
    assert {"Polski", "العربية", "தமிழ்", "English"} <= set(labels(chat))
    someone.press("English")
    chat = someone.wait_for_bot_text("safe to talk")
    assert "Yes, I can talk" in labels(chat)
    assert "Talk to a person" in labels(chat)
    someone.press("Yes, I can talk")
    someone.wait_for_bot_text("never ask about immigration status")
    # A turn arrives one message at a time (Telegram's 1 message a second per chat): wait for
    # its last message, the one that carries the buttons.
    chat = someone.wait_for_bot_text("What would you like to do?")
    assert "Emergency help" in labels(chat), labels(chat)
    someone.press("Emergency help")
    someone.wait_for_bot_text("Silent Solution")


def test_quick_exit_deletes_every_message_in_the_chat(telegram: FrontEnd) -> None:
    someone = person(telegram)
    someone.say("hello")
    someone.wait_for_bot_text("safe to talk")
    someone.press("Not right now")
    someone.wait_for_bot_text("/exit")
    someone.say("/exit")
    chat = someone.wait_for(
        lambda chat: all(m["deleted"] for m in chat["messages"]), "every message deleted"
    )
    assert len(chat["messages"]) >= 4  # hello, two answers, /exit: the person's and the bot's
    time.sleep(2)  # and nothing arrives afterwards: the chat stays empty
    assert all(m["deleted"] for m in someone.chat()["messages"])


def test_the_command_menu_is_set_at_start_up_and_says_nothing_about_abuse(
    telegram: FrontEnd,
) -> None:
    # The front end sets it once it is up; a first message answered means it is
    someone = person(telegram)
    someone.say("hello")
    someone.wait_for_bot_text("safe to talk")
    menus = telegram.state()["commands"]
    assert {menu["scope"]["type"] for menu in menus} == {"default"}, menus
    by_language = {menu["language_code"] or "": menu["commands"] for menu in menus}
    commands = {c["command"]: c["description"] for c in by_language[""]}
    assert {"start", "exit", "help", "forget", "language"} <= set(commands)
    assert "Quick exit" in commands["exit"]
    assert not any("abuse" in text.lower() for text in commands.values())
    # A phone set to one of our languages shows the menu in it, the commands still in Latin
    for code in sorted(set(catalogues()) - {ENGLISH, "pa-Arab"}):
        translated = {c["command"]: c["description"] for c in by_language[code]}
        assert set(translated) == set(commands), code
        assert translated["exit"] == catalogue(code).say("menu_exit")


def test_the_quick_exit_button_ends_every_turn_and_wipes_the_chat(telegram: FrontEnd) -> None:
    someone = person(telegram)
    chat = someone.start()
    # Every turn's last message carries it, beside the other ways out
    last = bot_messages(chat)[-1]
    titles = [button["text"] for row in last["buttons"] for button in row]
    assert titles[-1] == "Quick exit", titles
    assert "Talk to a person" in titles
    # the greeting's own danger button stands in for the standing Emergency help
    assert {"I'm in danger", "Emergency help"} & set(titles)
    someone.press("Quick exit")
    chat = someone.wait_for(
        lambda chat: all(m["deleted"] for m in chat["messages"]), "every message deleted"
    )
    assert len(chat["messages"]) >= 2


def test_exit_with_words_after_it_still_wipes_the_chat(telegram: FrontEnd) -> None:
    someone = person(telegram)
    someone.say("hello")
    someone.wait_for_bot_text("safe to talk")
    someone.say("/exit please")
    chat = someone.wait_for(
        lambda chat: all(m["deleted"] for m in chat["messages"]), "every message deleted"
    )
    assert len(chat["messages"]) >= 3


def _tracker_events(var_dir: Path, user_id: int) -> list[dict[str, Any]] | None:
    settings = load_settings({"LANTERN_VAR_DIR": str(var_dir)})
    tracker = tracker_vault_for(settings).get(pseudonym_for(user_id, settings.pseudonym_key()))
    return None if tracker is None else list(json.loads(tracker)["events"])


def test_forget_asks_first_then_erases_and_wipes_the_chat(
    telegram: FrontEnd, e2e_var_dir: Path
) -> None:
    someone = person(telegram)
    someone.say("hello")
    someone.wait_for_bot_text("safe to talk")
    assert _tracker_events(e2e_var_dir, someone.user_id) is not None
    someone.say("/forget")
    someone.wait_for_bot_text("Erase everything?")
    someone.press("Yes, erase everything")
    # The only confirmation is a passing notice on the button, which leaves nothing in the chat.
    someone.wait_for(
        lambda chat: (
            all(m["deleted"] for m in chat["messages"])
            and chat["last_answer"] == {"text": "Everything has been erased.", "show_alert": False}
        ),
        "every message deleted and the erasure confirmed",
    )
    # Rasa's stored conversation for this person is gone too. The press is answered before
    # the erasure runs (so the notice is never late), so the tracker goes a moment after it.
    deadline = time.monotonic() + WAIT_SECONDS
    while _tracker_events(e2e_var_dir, someone.user_id) is not None:
        assert time.monotonic() < deadline, "the tracker was not erased"
        time.sleep(0.2)


def test_typed_intent_syntax_forces_no_intent_and_sets_no_slot(
    telegram: FrontEnd, e2e_var_dir: Path
) -> None:
    someone = person(telegram)
    someone.say('/thank{"consent_to_share": "yes"}')
    someone.wait_for(lambda chat: len(bot_messages(chat)) >= 1, "an answer")
    events = _tracker_events(e2e_var_dir, someone.user_id)
    assert events is not None
    said = [event for event in events if event["event"] == "user"]
    assert said[0]["text"] == 'thank{"consent_to_share": "yes"}'
    intent = said[0]["parse_data"]["intent"]
    assert (intent["name"], intent["confidence"]) != ("thank", 1.0)  # how a forced intent looks
    assert all(event["name"] != "consent_to_share" for event in events if event["event"] == "slot")


def test_a_shared_location_is_deleted_at_once_and_never_stored(
    telegram: FrontEnd, e2e_var_dir: Path
) -> None:
    someone = person(telegram)
    latitude = f"51.{secrets.randbelow(10**6):06d}"
    someone.send(location={"latitude": float(latitude), "longitude": -0.1246})
    chat = someone.wait_for_bot_text("didn't keep it")
    shared = [m for m in chat["messages"] if m["from"] == "user"]
    assert [m["deleted"] for m in shared] == [True]
    someone.send(voice=True)
    someone.wait_for_bot_text("I can only read text messages")
    for path in e2e_var_dir.rglob("*"):
        if path.is_file():
            assert latitude.encode() not in path.read_bytes(), path.name


def test_a_429_storm_loses_nothing_and_sends_nothing_twice(telegram: FrontEnd) -> None:
    # Telegram's limits enforced strictly, plus a run of scripted 429s on every send.
    telegram.control("flood", {"limits": True, "count": 6, "retry_after": 1})
    people = [person(telegram) for _ in range(8)]
    try:
        threads = [threading.Thread(target=p.say, args=("hello",)) for p in people]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        for someone in people:
            someone.wait_for_bot_text("safe to talk")
        time.sleep(3)  # long enough for any retried duplicate to land
        for someone in people:
            greetings = [
                m for m in bot_messages(someone.chat()) if "safe to talk" in (m["text"] or "")
            ]
            assert len(greetings) == 1
        assert telegram.state()["flood"]["refused"] >= 6
    finally:
        telegram.control("flood", {"limits": False, "count": 0})


def test_webhook_mode_refuses_updates_without_the_right_secret(
    stack: Stack, e2e_var_dir: Path, tmp_path: Path
) -> None:
    secret_file = tmp_path / "webhook.secret"
    secret_file.write_text(secrets.token_urlsafe(32))
    secret_file.chmod(0o600)
    port = free_port()
    front = FrontEnd(
        stack,
        e2e_var_dir,
        LANTERN_TELEGRAM_WEBHOOK_URL=f"http://127.0.0.1:{port}/telegram",
        LANTERN_TELEGRAM_WEBHOOK_PORT=str(port),
        LANTERN_TELEGRAM_WEBHOOK_SECRET_FILE=str(secret_file),
    )
    try:
        someone = Person(front.emulator)
        deadline = time.monotonic() + WAIT_SECONDS
        while front.state()["webhook"] is None and time.monotonic() < deadline:
            time.sleep(0.2)
        # The emulator pushes updates with the secret given in setWebhook: they are answered.
        someone.say("hello")
        someone.wait_for_bot_text("safe to talk")
        forged = {
            "update_id": 999_999,
            "message": {
                "message_id": 1,
                "date": int(time.time()),
                "chat": {"id": someone.user_id, "type": "private"},
                "from": {"id": someone.user_id, "is_bot": False, "first_name": "X"},
                "text": "hello",
            },
        }
        url = f"http://127.0.0.1:{port}/telegram"
        for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "wrong" * 8}):
            assert httpx.post(url, json=forged, headers=headers).status_code == 403
    finally:
        front.stop()


def test_rasa_stopped_mid_conversation_gets_999_and_the_queued_message_answered_later(
    tmp_path: Path,
) -> None:
    # A var/ of its own: the waiting room is in the database now, and the module's front end
    # (another bot, another emulator) would otherwise answer this one's queue to the wrong chat.
    var_dir = tmp_path / "var"
    env = dict(os.environ, LANTERN_VAR_DIR=str(var_dir))
    set_up_local_run(load_settings(env))
    rasa = Stack(free_port(), free_port(), var_dir / "log")
    rasa.start(env)
    front = FrontEnd(rasa, var_dir)
    restarted = Stack(rasa.rasa_port, rasa.action_port, var_dir / "log")
    try:
        someone = Person(front.emulator)
        someone.say("hello")
        someone.wait_for_bot_text("safe to talk")
        # Given Rasa and the action server stopped mid-conversation
        rasa.stop()
        someone.say("I want to report what my husband does")
        # Then the front end still answers with the emergency routes and says it will be back
        chat = someone.wait_for_bot_text(catalogue(ENGLISH).say("assistant_down"))
        assert catalogue(ENGLISH).say("emergency_routes") in bot_text(chat)
        # And once they are back, the queued message is answered without being sent again
        restarted.start(env)
        chat = someone.wait_for_bot_text("what has been happening")
        assert [m["text"] for m in chat["messages"] if m["from"] == "user"] == [
            "hello",
            "I want to report what my husband does",
        ]
    finally:
        front.stop()
        rasa.stop()
        restarted.stop()
