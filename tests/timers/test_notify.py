"""`dealflow sweep --notify URL`: one post per sweep, in the chat tool's format, to a
local HTTP server; a failed post exits 1 with the reason and is never sent again."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from dealflow import Playbook, Store
from dealflow.cli import app
from tests.timers.conftest import START, Clock, open_deal


@dataclass
class Hook:
    """A local webhook: what it answers, and every body it received."""

    url: str
    status: int = 200
    answer: bytes = b'{"errcode": 0, "errmsg": "ok"}'
    delay: float = 0.0
    received: list[dict[str, Any]] = field(default_factory=list)
    content_types: list[str] = field(default_factory=list)


@pytest.fixture
def hook() -> Iterator[Hook]:
    state = Hook(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - the name http.server calls
            length = int(self.headers["Content-Length"])
            state.received.append(json.loads(self.rfile.read(length)))
            state.content_types.append(self.headers["Content-Type"])
            time.sleep(state.delay)
            try:
                self.send_response(state.status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(state.answer)
            except (BrokenPipeError, ConnectionResetError):  # the client gave up waiting
                pass

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hook?key=k"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture
def db(tmp_path: Path, timed: Playbook) -> str:
    url = f"sqlite:///{tmp_path}/sweep.db"
    with Store(url, playbook=timed, clock=Clock()) as store:
        open_deal(store, "tiny", "small")
        open_deal(store, "unsized")
    return url


def _sweep(db: str, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["sweep", "--db", db, "--now",
                                      (START.replace(day=20)).isoformat(), *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.output


def _text(body: dict[str, Any], fmt: str) -> str:
    """The visible text of a message in `fmt`, as the chat tool shows it."""
    if fmt == "wecom":
        assert body["msgtype"] == "markdown"
        return str(body["markdown"]["content"])
    if fmt == "dingtalk":
        assert body["msgtype"] == "markdown"
        return f"{body['markdown']['title']}\n{body['markdown']['text']}"
    if fmt == "feishu":
        assert body["msg_type"] == "post"
        post = body["content"]["post"]["zh_cn"]
        return "\n".join([post["title"], *(part["text"] for line in post["content"]
                                            for part in line if part["tag"] == "text")])
    if fmt == "slack":
        assert [block["type"] for block in body["blocks"]] == ["header", "section"]
        assert body["blocks"][1]["text"]["type"] == "mrkdwn"
        return f"{body['text']}\n{body['blocks'][1]['text']['text']}"
    assert set(body) == {"title", "lines", "report"}
    return "\n".join([body["title"], *body["lines"]])


@pytest.mark.parametrize("fmt", ["wecom", "dingtalk", "feishu", "slack", "json"])
def test_the_sweep_posts_once_in_the_chat_tools_format(hook: Hook, db: str, fmt: str) -> None:
    code, output = _sweep(db, "--apply", "--notify", hook.url, "--notify-format", fmt)
    assert code == 0, output
    assert len(hook.received) == 1
    assert hook.content_types == ["application/json; charset=utf-8"]
    text = _text(hook.received[0], fmt)
    assert "1 change(s) made, 1 due, 0 failed" in text
    assert "tiny (Deal tiny, ana): lost (no_progression)" in text
    assert "unsized (Deal unsized, ana): due: An open deal has had no segment for 3 days" in text


def test_a_dry_run_notification_says_what_would_happen(hook: Hook, db: str) -> None:
    code, _output = _sweep(db, "--notify", hook.url, "--notify-format", "json")
    assert code == 0
    body = hook.received[0]
    assert "dry run" in body["title"]
    assert body["report"]["apply"] is False
    assert any("to be lost (no_progression)" in line for line in body["lines"])


def test_slack_text_from_deals_cannot_inject_markup(hook: Hook, tmp_path: Path,
                                                    timed: Playbook) -> None:
    url = f"sqlite:///{tmp_path}/inject.db"
    with Store(url, playbook=timed, clock=Clock()) as store:
        store.create(deal_id="x1", title="<!channel> & <https://evil|click>", account="A",
                     owner="ana", actor="ana")
    code, _output = _sweep(url, "--notify", hook.url, "--notify-format", "slack")
    assert code == 0
    section = hook.received[0]["blocks"][1]["text"]["text"]
    assert "<!channel>" not in section
    assert "&lt;!channel&gt; &amp; &lt;https://evil|click&gt;" in section


@pytest.mark.parametrize(("status", "answer", "reason"), [
    (500, b"oops", "HTTP 500"),
    (404, b"", "HTTP 404"),
    (200, b'{"errcode": 93000, "errmsg": "invalid webhook url"}', "errcode 93000"),
    (200, b'{"code": 19021, "msg": "sign match fail"}', "code 19021"),
], ids=["server-error", "not-found", "wecom-error-code", "feishu-error-code"])
def test_a_failed_post_exits_1_with_the_reason_and_is_not_sent_again(
    hook: Hook, db: str, status: int, answer: bytes, reason: str,
) -> None:
    hook.status, hook.answer = status, answer
    code, output = _sweep(db, "--apply", "--notify", hook.url, "--notify-format", "wecom")
    assert code == 1
    assert reason in output
    assert "it was not sent again" in output
    assert len(hook.received) == 1
    with Store(db) as store:  # the sweep's own work is done
        assert store.get("tiny").status.value == "lost"


def test_a_post_without_an_answer_in_time_is_reported_and_not_sent_again(
    hook: Hook, db: str,
) -> None:
    hook.delay = 1.0
    code, output = _sweep(db, "--notify", hook.url, "--timeout", "0.3")
    assert code == 1
    assert "no answer within 0.3 seconds" in output
    assert len(hook.received) == 1


def test_a_refused_connection_is_reported(db: str) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    code, output = _sweep(db, "--notify", f"http://127.0.0.1:{port}/hook")
    assert code == 1
    assert "no connection" in output


@pytest.mark.parametrize("url", ["ftp://example.com/hook", "file:///etc/passwd", "hook"])
def test_only_http_urls_are_posted_to(db: str, url: str) -> None:
    code, output = _sweep(db, "--notify", url)
    assert code == 1
    assert "must start with http:// or https://" in output
