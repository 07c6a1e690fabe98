"""Typed text, commands and button payloads on their way between Telegram and Rasa."""

from __future__ import annotations

from bot.frontdoor.rasa_client import Button
from bot.frontdoor.telegram_render import (
    CALLBACK_DATA_MAX_BYTES,
    FORGET_YES,
    CallbackCodec,
    command_of,
    neutralise,
)


def test_only_our_commands_are_commands() -> None:
    assert command_of("/exit") == "exit"
    assert command_of(" /Forget ") == "forget"
    assert command_of("/start@LanternBot") == "start"
    assert command_of('/intent{"slot": "x"}') is None
    assert command_of("exit") is None


def test_words_after_a_command_do_not_stop_it() -> None:
    assert command_of("/exit please") == "exit"
    assert command_of("/exit now") == "exit"
    assert command_of("/EXIT") == "exit"
    assert command_of("/exit@lantern_local_bot now") == "exit"
    assert command_of("/exit.") == "exit"
    assert command_of("/exiting") is None
    assert command_of("please /exit") is None


def test_typed_slashes_are_stripped_so_no_intent_can_be_forced() -> None:
    assert neutralise('/suicidal_feelings{"urgency": "standard"}') == (
        'suicidal_feelings{"urgency": "standard"}'
    )
    assert neutralise("//restart") == "restart"
    assert neutralise("hello /there") == "hello /there"


def test_a_space_before_the_slash_does_not_keep_it() -> None:
    # Rasa strips a message before it looks for "/": " /restart" would restart the conversation
    assert neutralise(" /restart") == "restart"
    assert neutralise("/ /restart") == "restart"
    assert neutralise('\n/inform{"consent_to_share": "yes"}') == 'inform{"consent_to_share": "yes"}'


def test_short_payloads_travel_as_they_are() -> None:
    codec = CallbackCodec()
    assert codec.encode("/affirm") == "/affirm"
    assert codec.decode("/affirm") == "/affirm"


def test_long_payloads_travel_as_a_short_id_and_come_back_whole() -> None:
    """Given a payload over Telegram's 64-byte callback_data limit,
    when it is encoded, then the data fits and decodes to the same payload."""
    codec = CallbackCodec()
    payload = '/inform{"help_type": "safe_place_to_stay", "contact_time": "weekday_morning"}'
    assert len(payload.encode()) > CALLBACK_DATA_MAX_BYTES
    data = codec.encode(payload)
    assert len(data.encode()) <= CALLBACK_DATA_MAX_BYTES
    assert codec.encode(payload) == data  # the same payload always gets the same id
    assert codec.decode(data) == payload


def test_a_forgotten_short_id_is_unknown_not_a_guess() -> None:
    codec = CallbackCodec(capacity=1)
    first = codec.encode("/inform{" + "a" * 80 + "}")
    codec.encode("/inform{" + "b" * 80 + "}")
    assert codec.decode(first) is None


def test_rasa_payloads_can_never_pose_as_our_own_buttons() -> None:
    codec = CallbackCodec()
    assert codec.encode(FORGET_YES) != FORGET_YES


def test_keyboard_has_one_button_a_row() -> None:
    codec = CallbackCodec()
    keyboard = codec.keyboard([Button("Yes", "/affirm"), Button("No", "/deny")])
    assert keyboard is not None
    assert [[b.text for b in row] for row in keyboard.inline_keyboard] == [["Yes"], ["No"]]
    assert codec.keyboard([]) is None
