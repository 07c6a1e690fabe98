"""The control API's error handling, and the ``python -m bot emulator`` command."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.emulator.support import TOKEN
from tests.support import free_port

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    "path",
    [
        "/_emulator/users/7/messages",
        "/_emulator/users/7/press",
        "/_emulator/flood",
        "/_emulator/clock",
        f"/bot{TOKEN}/sendMessage",
    ],
)
async def test_malformed_json_is_a_400_json_error(control: httpx.AsyncClient, path: str) -> None:
    response = await control.post(
        path, content=b'{"text": "unterminated', headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    body = response.json()
    assert body["ok"] is False
    assert "Traceback" not in response.text


@pytest.mark.parametrize(
    ("path", "body", "status"),
    [
        ("/_emulator/users/abc/messages", {"text": "hi"}, 400),
        ("/_emulator/users/7/messages", {}, 400),
        ("/_emulator/users/7/messages", {"text": "hi", "photo": True}, 400),
        ("/_emulator/users/7/messages", {"location": {"latitude": "north"}}, 400),
        ("/_emulator/users/7/press", {"text": "Yes"}, 404),
        ("/_emulator/users/7/press", {"text": "Yes", "data": "/affirm"}, 400),
        ("/_emulator/flood", {"count": -1}, 400),
        ("/_emulator/nothing-here", {}, 404),
    ],
)
async def test_bad_control_requests_get_json_errors(
    control: httpx.AsyncClient, path: str, body: dict[str, object], status: int
) -> None:
    response = await control.post(path, json=body)
    assert response.status_code == status
    assert response.json()["ok"] is False


async def test_bot_api_answers_in_telegram_shapes(control: httpx.AsyncClient) -> None:
    unknown = await control.post(f"/bot{TOKEN}/noSuchMethod")
    assert unknown.status_code == 404
    assert unknown.json() == {"ok": False, "error_code": 404, "description": "Not Found"}
    bad_token = await control.post("/botnot-a-token/getMe")
    assert bad_token.status_code == 404
    # Method names are case-insensitive and JSON bodies work as well as forms.
    await control.post("/_emulator/users/7/messages", json={"text": "hi"})
    sent = await control.post(f"/bot{TOKEN}/SENDMESSAGE", json={"chat_id": 7, "text": "yo"})
    assert sent.json()["result"]["text"] == "yo"
    await control.post("/_emulator/flood", json={"count": 1, "retry_after": 5})
    refused = await control.post(f"/bot{TOKEN}/sendMessage", data={"chat_id": "7", "text": "x"})
    assert refused.status_code == 429
    assert refused.json() == {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 5",
        "parameters": {"retry_after": 5},
    }


async def test_chat_long_poll_returns_when_the_chat_changes(control: httpx.AsyncClient) -> None:
    first = await control.get("/_emulator/users/8/chat")
    assert first.json()["messages"] == []
    await control.post("/_emulator/users/8/messages", json={"text": "hi"})
    started = time.monotonic()
    changed = await control.get("/_emulator/users/8/chat", params={"since": 0, "wait": 5})
    assert changed.json()["version"] == 1
    assert time.monotonic() - started < 1
    unchanged = await control.get("/_emulator/users/8/chat", params={"since": 1, "wait": 0.3})
    assert unchanged.json()["version"] == 1


def test_cli_serves_loopback_and_keeps_ids_and_text_out_of_its_output() -> None:
    """Given ``python -m bot emulator``, When a person and the bot talk through it,
    Then its output names neither the person's id nor what they wrote."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "emulator", "--port", str(port)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 15
        while True:
            try:
                httpx.get(f"{base}/_emulator/state", timeout=1)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "emulator did not start"
                time.sleep(0.1)
        httpx.post(f"{base}/_emulator/users/987654321/messages", json={"text": "canary-words"})
        httpx.post(f"{base}/bot{TOKEN}/sendMessage", data={"chat_id": "987654321", "text": "x"})
        httpx.post(f"{base}/bot{TOKEN}/deleteMessage", data={"chat_id": "987654321"})
        page = httpx.get(f"{base}/")
        assert page.status_code == 200 and "<title>" in page.text
        assert httpx.get(f"{base}/", headers={"Host": "evil.example"}).status_code == 400
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=10)
    assert f"127.0.0.1:{port}" in output
    assert "987654321" not in output and "canary-words" not in output
    assert TOKEN.split(":")[1] not in output
