"""Messages as people write them, beyond docs/SUPPORT.md's rows (tests/support_fit_cases.py):
the real support action, by day and by night, offers services that fit each person."""

from __future__ import annotations

from typing import Any

import pytest

from actions import runtime
from tests.actions.support import NIGHT, WEEKDAY_DAYTIME, offered
from tests.support_fit_cases import CASES, Case, fits


@pytest.mark.parametrize("case", CASES, ids=[case.wrote[:40] for case in CASES])
async def test_the_services_offered_fit_what_they_wrote(
    case: Case, domain: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = {service.name: service.id for service in runtime.directory().services}
    for at in (WEEKDAY_DAYTIME, NIGHT):
        shown = [ids[name] for name in await offered(case.wrote, at, domain, monkeypatch)]
        assert fits(case, shown), (at, shown)
