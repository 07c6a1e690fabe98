"""The main conversation paths, end to end: front-door client -> real Rasa -> real actions."""

from __future__ import annotations

import re

import httpx

from bot.devstack import Stack
from bot.frontdoor.rasa_client import BotMessage

from .conftest import Conversation, text_of


def assert_way_out(turn: list[BotMessage]) -> None:
    """Every reply leaves a way to emergency help and to a person: never a dead end."""
    payloads = [button.payload for button in turn[-1].buttons]
    assert "/emergency" in payloads
    assert "/talk_to_person" in payloads


async def test_opening_asks_about_safety_then_makes_the_privacy_promise(
    conversation: Conversation,
) -> None:
    turn = await conversation.say("hello")
    assert "safe to talk" in text_of(turn)
    # Phones are watched and notifications show the first line
    assert "abuse" not in turn[0].text.splitlines()[0].lower()
    assert_way_out(turn)
    turn = await conversation.press("Yes, I can talk")
    promise = text_of(turn)
    assert "never ask about immigration status" in promise
    assert "police or the Home Office" in promise
    assert "/exit" in promise
    assert_way_out(turn)


async def test_not_safe_to_talk_gets_the_quick_exit_and_silent_solution(
    conversation: Conversation,
) -> None:
    await conversation.say("hi")
    turn = await conversation.press("Not right now")
    assert "/exit" in text_of(turn)
    assert "55" in text_of(turn)
    assert_way_out(turn)


async def test_danger_at_the_first_message_gets_999_and_the_silent_solution(
    conversation: Conversation,
) -> None:
    turn = await conversation.say("help he is outside the door with a knife")
    text = text_of(turn)
    assert "call 999" in text
    assert "press 55" in text
    assert "999 BSL" in text
    assert "emergencySMS" in text
    assert_way_out(turn)


async def test_suicidal_feelings_get_samaritans(conversation: Conversation) -> None:
    turn = await conversation.say("i just want to die, there is no point anymore")
    assert "116 123" in text_of(turn)
    assert "999" in text_of(turn)
    assert_way_out(turn)


QUESTION_NUMBER = re.compile(r"\((\d) of 9\)")


def numbers_asked(conversation: Conversation) -> list[int]:
    """The "N of 9" of every question the person was asked, in order, repeats included."""
    return [
        int(number)
        for turn in conversation.turns
        for message in turn
        for number in QUESTION_NUMBER.findall(message.text)
    ]


async def test_a_full_report_is_nine_questions_with_progress_then_the_extra_ones(
    conversation: Conversation,
) -> None:
    await conversation.say("I want to report what my husband does")
    turn = conversation.turns[-1]
    assert "(1 of 9) In your own words" in text_of(turn)
    await conversation.say("He pushes me and locks me in the flat when he goes out")
    # Several kinds: each press is told back, Done moves on
    await conversation.press("Physical")
    turn = await conversation.press("Money")
    assert "Chosen so far: Physical, Money" in text_of(turn)
    turn = await conversation.press("Done")
    assert "(3 of 9) When did it last happen?" in text_of(turn)
    await conversation.press("This week")
    await conversation.press("Yes")  # ongoing
    await conversation.press("Yes")  # children in the home
    turn = await conversation.press("England")
    assert "(6 of 9) Which part of England" in text_of(turn)
    await conversation.press("Yorkshire")
    turn = await conversation.press("A safe place to stay")
    assert "(8 of 9)" in text_of(turn)
    assert "a charity we work with" in text_of(turn)
    await conversation.press("Yes, share it")
    turn = await conversation.press("Evening")
    assert "a few more questions" in text_of(turn)
    assert numbers_asked(conversation) == [1, 2, 2, 2, 3, 4, 5, 6, 6, 7, 8, 9]
    turn = await conversation.press("Yes, ask me")
    assert "(Extra 1 of 6)" in text_of(turn)
    await conversation.press("Yes")  # strangulation
    for _ in range(5):
        turn = await conversation.press("Skip")
    text = text_of(turn)
    assert "passed to a charity caseworker" in text
    assert "serious danger" in text
    assert "score" not in text.lower()
    # The closing line and a next step end the turn
    assert turn[-1].text.startswith("That's the end of the report.")
    assert "come back to this chat" in turn[-1].text
    assert "Find support" in [button.title for button in turn[-1].buttons]
    assert_way_out(turn)


async def test_declining_the_extra_questions_ends_the_report_at_nine(
    conversation: Conversation,
) -> None:
    await conversation.say("i want to report abuse")
    # account, kinds, when, ongoing, children, nation, help wanted
    for title in ["Skip"] * 5 + ["Prefer not to say", "Skip"]:
        await conversation.press(title)
    await conversation.press("No, don't share")
    turn = await conversation.press("No, finish here")
    text = text_of(turn)
    assert "won't pass it on" in text
    assert "That's the end of the report." in text
    assert max(numbers_asked(conversation)) == 8
    assert "Extra" not in text
    assert_way_out(turn)


async def test_opening_with_what_happened_is_not_asked_again(
    conversation: Conversation,
) -> None:
    turn = await conversation.say("my husband beats me")
    text = text_of(turn)
    assert "kept what you wrote as the first answer" in text
    assert "(2 of 9) What kind of abuse" in text
    assert "(1 of 9)" not in text


async def test_a_witness_report_is_not_carried_into_the_next_report(
    conversation: Conversation,
) -> None:
    await conversation.say("I'm worried about my neighbour, I think her husband beats her")
    turn = await conversation.press("Tell you what happened")
    assert "the person you're worried about" in text_of(turn)
    await conversation.press("Skip")  # the account
    await conversation.press("Done")
    for _ in range(3):
        await conversation.press("Skip")
    await conversation.press("Prefer not to say")
    await conversation.press("Skip")
    await conversation.press("No, don't share")
    await conversation.press("No, finish here")
    # A second report in the same chat asks about the person themselves
    turn = await conversation.say("i want to report abuse")
    text = text_of(turn)
    assert "(1 of 9) In your own words, what has been happening?" in text
    assert "the person you're worried about" not in text


async def test_emergency_inside_the_form_answers_then_asks_again(
    conversation: Conversation,
) -> None:
    await conversation.say("i need to tell someone what is happening to me")
    await conversation.say("he takes all my money and checks my phone")
    turn = await conversation.say("he's coming back now, he's going to kill me")
    text = text_of(turn)
    assert "call 999" in text
    assert "What kind of abuse" in text  # the form carries on with the same question
    assert_way_out(turn)


async def test_volunteered_status_is_acknowledged_and_routed_to_independent_advice(
    conversation: Conversation,
) -> None:
    turn = await conversation.say("my visa depends on him and he says he will get me deported")
    text = text_of(turn)
    assert "left out what you said about immigration status" in text
    assert "Southall Black Sisters" in text
    assert_way_out(turn)


async def test_stop_in_the_form_asks_keep_or_delete_and_delete_deletes(
    conversation: Conversation,
) -> None:
    await conversation.say("i want to report abuse")
    await conversation.say("he shouts and breaks things")
    turn = await conversation.say("stop")
    assert "keep what you've told me" in text_of(turn)
    assert "30 minutes" in text_of(turn)
    turn = await conversation.press("Delete it")
    assert "Deleted" in text_of(turn)
    assert_way_out(turn)


async def test_skip_works_on_the_free_text_question(conversation: Conversation) -> None:
    await conversation.say("i want to report abuse")
    turn = await conversation.press("Skip")
    assert "What kind of abuse" in text_of(turn)


async def test_find_support_lists_services_with_contact_routes(
    conversation: Conversation,
) -> None:
    turn = await conversation.say("where can i get help, i need a refuge")
    text = text_of(turn)
    assert "0808" in text or "080" in text
    assert_way_out(turn)


async def test_helping_someone_else_asks_about_them(conversation: Conversation) -> None:
    await conversation.say("I'm worried about my neighbour, I think her husband beats her")
    turn = conversation.turns[-1]
    assert "looking out for them" in text_of(turn)
    turn = await conversation.press("Tell you what happened")
    assert "the person you're worried about" in text_of(turn)


async def test_questions_about_lantern_itself(conversation: Conversation) -> None:
    turn = await conversation.say("what happens to my information? will the police find out?")
    assert "Nothing is sent to the police or the Home Office" in text_of(turn)
    turn = await conversation.say("are you a real person or a bot")
    assert "automated assistant" in text_of(turn)
    turn = await conversation.say("can I speak to a real person please")
    assert "helpline" in text_of(turn)
    turn = await conversation.say("what's the weather like tomorrow")
    assert "I can only help with abuse" in text_of(turn)
    turn = await conversation.say("bye")
    assert "Take care" in text_of(turn)
    assert_way_out(turn)


async def test_the_front_door_channel_answers_bad_requests_kindly(stack: Stack) -> None:
    url = f"{stack.rasa_url}/webhooks/frontdoor/webhook"
    async with httpx.AsyncClient() as client:
        malformed = await client.post(
            url, content=b"{not json", headers={"content-type": "application/json"}
        )
        raw_id = await client.post(url, json={"sender": "123456789", "message": "hi"})
        binary = await client.post(
            url, content=b"\x00\xff\xfe", headers={"content-type": "application/json"}
        )
        huge = await client.post(url, json={"sender": "b" * 64, "message": "x" * 100_000})
    assert malformed.status_code == 400
    assert "JSON" in malformed.json()["error"]
    assert raw_id.status_code == 400
    assert "pseudonym" in raw_id.json()["error"]
    assert binary.status_code == 400
    assert huge.status_code == 413


async def test_odd_text_still_gets_a_reply_with_a_way_out(conversation: Conversation) -> None:
    for text in ["😢😢😢", "ساعدني من فضلك", "   ", "a" * 5000]:
        turn = await conversation.say(text)
        assert turn, f"no reply to {text[:10]!r}"
        assert_way_out(turn)


async def test_documents_kept_from_her_are_an_abuse_kind_and_never_named(
    conversation: Conversation,
) -> None:
    # Given a report under way
    await conversation.say("/report_abuse")
    # When her account tells of her passport being kept from her
    turn = await conversation.say("he took my passport and hits me when i ask for it back")
    text = text_of(turn)
    # Then the kinds question starts with that kind chosen, and the document is never named
    assert "Chosen so far: Keeps my documents from me" in text
    assert "(2 of 9)" in text
    assert "passport" not in text.lower()
    assert_way_out(turn)
