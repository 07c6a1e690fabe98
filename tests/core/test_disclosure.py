"""Abuse told beside volunteered status is still seen once the status is cut out."""

from __future__ import annotations

import pytest

from bot.core.disclosure import tells_of_abuse
from bot.core.firewall import default_firewall


@pytest.mark.parametrize(
    "said",
    [
        "my husband hits me and took my passport, I am on a spouse visa",
        "he controls all my money and says he will call the home office",
        "My partner is violent. I have pre-settled status",
        "she threatens me every day, I'm an asylum seeker",
        "his family forced me to marry him, my visa depends on him",
    ],
)
def test_abuse_survives_the_firewall(said: str) -> None:
    assert tells_of_abuse(default_firewall().redact(said).text)


@pytest.mark.parametrize(
    "said",
    ["I am on a spouse visa", "I have no documents", "my visa expires next month", "hello", ""],
)
def test_status_alone_is_not_abuse(said: str) -> None:
    assert not tells_of_abuse(default_firewall().redact(said).text)
