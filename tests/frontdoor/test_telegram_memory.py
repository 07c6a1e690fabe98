"""Message ids for the quick exit, and messages held while the assistant is down."""

from __future__ import annotations

from bot.frontdoor.memory import DELETE_WINDOW_SECONDS, ChatTrail, Waiting, WaitingRoom


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def test_the_quick_exit_takes_every_deletable_id_in_batches_of_100() -> None:
    clock = Clock()
    trail = ChatTrail(clock)
    for message_id in range(1, 251):
        trail.add(7, message_id)
    trail.add(8, 1)
    batches = trail.take(7)
    assert [len(batch) for batch in batches] == [100, 100, 50]
    assert sorted(i for batch in batches for i in batch) == list(range(1, 251))
    assert trail.take(7) == []
    assert trail.count(8) == 1


def test_messages_older_than_48_hours_are_not_offered_for_deletion() -> None:
    clock = Clock()
    trail = ChatTrail(clock)
    trail.add(7, 1, sent_at=clock.now - DELETE_WINDOW_SECONDS - 1)
    trail.add(7, 2, sent_at=clock.now - DELETE_WINDOW_SECONDS + 60)
    assert trail.take(7) == [[2]]


def test_waiting_messages_are_kept_in_order_per_person_and_forgotten_on_exit() -> None:
    room = WaitingRoom()
    room.put(Waiting(1, "a" * 64, "first"))
    room.put(Waiting(1, "a" * 64, "second"))
    room.put(Waiting(2, "b" * 64, "other"))
    assert len(room) == 3
    first = room.first("a" * 64)
    assert first is not None and first.text == "first"
    room.done("a" * 64)
    second = room.first("a" * 64)
    assert second is not None and second.text == "second"
    room.forget("b" * 64)
    assert room.people() == ["a" * 64]
    room.done("a" * 64)
    assert not room.is_waiting("a" * 64)
    assert len(room) == 0
