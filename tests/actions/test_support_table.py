"""docs/SUPPORT.md's table against the real support action: each row's message, read and ranked
as the action server does it, offers exactly the services the row lists, in its order."""

from __future__ import annotations

from typing import Any

import pytest

from actions import runtime
from tests.actions.support import NIGHT, WEEKDAY_DAYTIME, offered
from tests.support_table import NEEDS, Row, table_rows, unfit

ROWS = table_rows()


def test_the_table_has_a_row_for_every_need_in_the_issue() -> None:
    assert tuple(row.need for row in ROWS) == NEEDS


@pytest.mark.parametrize("row", ROWS, ids=[row.need for row in ROWS])
async def test_each_row_is_what_the_ranking_offers(
    row: Row, domain: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert await offered(row.wrote, WEEKDAY_DAYTIME, domain, monkeypatch) == row.daytime
    assert await offered(row.wrote, NIGHT, domain, monkeypatch) == row.night


@pytest.mark.parametrize("row", ROWS, ids=[row.need for row in ROWS])
def test_no_row_lists_a_service_unfit_for_its_person(row: Row) -> None:
    never = {service.name for service in unfit(row, runtime.directory())}
    assert row.daytime and row.night
    assert not never & {*row.daytime, *row.night}
