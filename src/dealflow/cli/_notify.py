"""`dealflow sweep --notify URL`: what a sweep did and what is due, posted to a chat webhook.

One message per sweep, in the format the chat tool documents for its incoming webhooks:

- `wecom`: WeCom (企业微信) group robot, `{"msgtype": "markdown", "markdown": {"content"}}`;
- `dingtalk`: DingTalk (钉钉) custom robot, `{"msgtype": "markdown", "markdown": {"title",
  "text"}}`;
- `feishu`: Feishu / Lark (飞书) custom bot, a `post` message with a title and one line per
  paragraph;
- `slack`: Slack incoming webhook, `text` (the notification's fallback) and Block Kit
  `blocks` (a header and an `mrkdwn` section);
- `json`: the sweep's report as data, for a webhook of your own.

The message is posted once (stdlib `urllib`, a timeout): a refused connection, an HTTP
error, a timeout, or a 2xx answer whose body reports an error (WeCom and DingTalk answer
`errcode`, Feishu `code`) raises `NotifyError`; nothing is sent again, since a post that
timed out may still have arrived.
"""

from __future__ import annotations

import json
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from dealflow._messages import _
from dealflow.errors import NotifyError

if TYPE_CHECKING:  # pragma: no cover
    from dealflow.store import SweepAction, SweepReport

__all__ = ["NotifyFormat", "lines", "notification", "post"]

#: WeCom's markdown content may hold 4096 bytes; Slack's section text 3000 characters.
_MAX_BYTES = 3800
_MAX_LINES = 50


class NotifyFormat(StrEnum):
    """The message formats of `--notify-format`."""

    wecom = "wecom"
    dingtalk = "dingtalk"
    feishu = "feishu"
    slack = "slack"
    json = "json"


def _title(report: SweepReport) -> str:
    if report.apply:
        return _("dealflow sweep: {changes} change(s) made, {reminders} due, {failures} "
                 "failed", changes=len(report.changes), reminders=len(report.reminders),
                 failures=len(report.failures))
    return _("dealflow sweep (dry run): {changes} change(s) to make, {reminders} due, "
             "{failures} failed", changes=len(report.changes),
             reminders=len(report.reminders), failures=len(report.failures))


def _what(action: SweepAction, apply: bool) -> str:
    if action.action == "lose":
        return (_("lost ({reason})", reason=action.detail) if apply and action.applied
                else _("to be lost ({reason})", reason=action.detail))
    if action.action == "open_item":
        return (_("follow-up opened: {item}", item=action.detail) if action.applied
                else _("follow-up to open: {item}", item=action.detail))
    return _("due")


def lines(report: SweepReport) -> list[str]:
    """One line per action and failure, in the report's order."""
    found = [_("{deal} ({title}, {owner}): {what}: {rule}", deal=a.deal_id, title=a.title,
               owner=a.owner, what=_what(a, report.apply), rule=a.text)
             for a in report.actions]
    found += [_("{deal}: rule {rule} failed: {error}", deal=f.deal_id, rule=f.rule or "-",
                error=f.error) for f in report.failures]
    if not found:
        found = [_("nothing to do")]
    return found


def _fit(found: list[str], escape: Any = str) -> list[str]:
    """The lines that fit in one chat message, with a count of the rest."""
    kept: list[str] = []
    size = 0
    for line in found:
        shown = escape(line)
        size += len(shown.encode()) + 1
        if len(kept) >= _MAX_LINES or size > _MAX_BYTES:
            kept.append(_("... and {count} more", count=len(found) - len(kept)))
            break
        kept.append(shown)
    return kept


def _slack_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def notification(report: SweepReport, fmt: NotifyFormat) -> dict[str, Any]:
    """The JSON body that tells `report` in the chat tool's format."""
    title = _title(report)
    found = lines(report)
    if fmt is NotifyFormat.wecom:
        body = "\n".join(f"- {line}" for line in _fit(found))
        return {"msgtype": "markdown", "markdown": {"content": f"**{title}**\n{body}"}}
    if fmt is NotifyFormat.dingtalk:
        body = "\n".join(f"- {line}" for line in _fit(found))
        return {"msgtype": "markdown", "markdown": {"title": title,
                                                    "text": f"### {title}\n\n{body}"}}
    if fmt is NotifyFormat.feishu:
        paragraphs = [[{"tag": "text", "text": line}] for line in _fit(found)]
        return {"msg_type": "post",
                "content": {"post": {"zh_cn": {"title": title, "content": paragraphs}}}}
    if fmt is NotifyFormat.slack:
        body = "\n".join(f"• {line}" for line in _fit(found, _slack_escape))
        return {"text": title, "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": title[:150]}},
            {"type": "section", "text": {"type": "mrkdwn", "text": body}},
        ]}
    return {"title": title, "lines": found, "report": report.to_dict()}


def _answered_error(raw: bytes) -> str | None:
    """The error a chat tool reports in a 2xx answer, if it reports one."""
    try:
        answer = json.loads(raw.decode("utf-8", "replace") or "null")
    except ValueError:
        return None
    if not isinstance(answer, dict):
        return None
    for code_key, message_key in (("errcode", "errmsg"), ("code", "msg"),
                                  ("StatusCode", "StatusMessage")):
        code = answer.get(code_key)
        if isinstance(code, int) and code != 0:
            return _("the webhook answered {key} {code}: {message}", key=code_key, code=code,
                     message=answer.get(message_key, ""))
    return None


def post(url: str, body: dict[str, Any], *, timeout: float = 10.0) -> None:
    """Post `body` as JSON to `url` once; `NotifyError` saying why when it fails."""
    if not url.startswith(("http://", "https://")):
        raise NotifyError(url, _("the URL must start with http:// or https://"))
    import urllib.error  # here: urllib.request and http.client are 10 ms every command paid
    import urllib.request

    data = json.dumps(body, ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(url, data=data, method="POST", headers={
        "Content-Type": "application/json; charset=utf-8"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:  # noqa: S310
            raw = answer.read(65536)
    except urllib.error.HTTPError as exc:
        exc.close()  # the error is the answer: its connection is closed here
        raise NotifyError(url, _("the webhook answered HTTP {status} {reason}",
                                 status=exc.code, reason=exc.reason)) from None
    except urllib.error.URLError as exc:
        raise NotifyError(url, _("no connection: {reason}", reason=exc.reason)) from None
    except TimeoutError:
        raise NotifyError(url, _("no answer within {seconds} seconds (the message may "
                                 "still have arrived)", seconds=timeout)) from None
    except OSError as exc:
        raise NotifyError(url, _("no connection: {reason}", reason=exc)) from None
    problem = _answered_error(raw)
    if problem is not None:
        raise NotifyError(url, problem)
