"""A fake Telegram Bot API server that python-telegram-bot talks to, unmodified.

It checks every call against the Bot API specification (:mod:`.spec`) and records each
violation (a test fails on any), answers with realistic objects (themselves checked against
the specification), serves updates through ``getUpdates`` with Telegram's offset semantics
and long polling, keeps what the bot posted per chat, and enforces the flood limits with
429 and ``retry_after``.

Tests drive it as the people in the chats would: :meth:`FakeTelegram.say`,
:meth:`~FakeTelegram.press`, :meth:`~FakeTelegram.request_join`, …
"""

from __future__ import annotations

import asyncio
import itertools
import json
import math
import secrets
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

from tests.services.telegram_api.spec import Spec, Upload

BOT_ID = 7000001
BOT_USERNAME = "iops_test_bot"
TOKEN = "7000001:AAE-fake-token-for-tests_0123456789ab"

# Calls that put a message in a chat (or change one): these count against flood limits.
_MESSAGE_CALLS = frozenset(
    {
        "sendMessage",
        "sendPhoto",
        "sendDocument",
        "editMessageText",
        "editMessageCaption",
        "editMessageReplyMarkup",
    }
)


@dataclass(frozen=True)
class Limits:
    """The flood limits the server enforces: (count, seconds) windows.

    ``tolerance`` forgives arrivals that are this much closer together than a window
    allows: the client's clock and ours are not the same clock.
    """

    overall: tuple[int, float] = (30, 1.0)
    private: tuple[tuple[int, float], ...] = ((1, 1.0),)
    group: tuple[tuple[int, float], ...] = ((1, 1.0), (20, 60.0))
    tolerance: float = 0.03

    def scaled(self, factor: float) -> Limits:
        """Every window ``factor`` times as long."""
        return Limits(
            overall=(self.overall[0], self.overall[1] * factor),
            private=tuple((n, s * factor) for n, s in self.private),
            group=tuple((n, s * factor) for n, s in self.group),
            tolerance=min(self.tolerance, self.overall[1] * factor / 3),
        )


@dataclass
class User:
    """Someone on Telegram."""

    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None
    started: bool = True  # has a private chat with the bot (sent it /start)
    blocked: bool = False

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        for name in ("last_name", "username", "language_code"):
            if getattr(self, name):
                data[name] = getattr(self, name)
        return data


@dataclass
class Chat:
    """A private chat or a group."""

    id: int
    type: str
    title: str | None = None
    user: User | None = None

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "type": self.type}
        if self.title:
            data["title"] = self.title
        if self.user is not None:
            data["first_name"] = self.user.first_name
        return data


@dataclass
class Posted:
    """A message the bot posted, as it stands now."""

    chat_id: int
    message_id: int
    kind: str  # text | photo | document
    text: str | None
    buttons: list[list[tuple[str, str]]]
    date: int
    sent_at: float
    params: dict[str, str]
    filename: str | None = None
    content: bytes | None = None
    edits: list[str | None] = field(default_factory=list)

    @property
    def labels(self) -> list[str]:
        return [label for row in self.buttons for label, _data in row]

    def data(self, label: str) -> str:
        for row in self.buttons:
            for text, data in row:
                if text == label:
                    return data
        raise AssertionError(f"no button {label!r} on {self.text!r}; have {self.labels}")


@dataclass
class Call:
    """One call the bot made, and how it was answered."""

    method: str
    params: dict[str, str]
    at: float
    status: int = 200


class FakeTelegram:
    """The server. Use as ``async with FakeTelegram() as tg`` (it listens on 127.0.0.1).

    Args:
        limits: Flood limits to enforce; None enforces none.
        spec: The Bot API contract.
    """

    def __init__(
        self,
        limits: Limits | None = Limits(),
        spec: Spec | None = None,
        *,
        strict_answers: bool = True,
    ) -> None:
        self.spec = spec or Spec()
        # A press answered twice is a bug, except where a test redelivers it on purpose.
        self.strict_answers = strict_answers
        self.failures: dict[str, list[int]] = {}  # method -> statuses to answer next
        self.stalls: dict[str, list[float]] = {}  # method -> seconds to sit on a call first
        self.limits = limits
        self.violations: list[str] = []
        self.calls: list[Call] = []
        self.posted: list[Posted] = []
        self.users: dict[int, User] = {}
        self.chats: dict[int, Chat] = {}
        self.answers: dict[str, str | None] = {}  # callback query id -> toast (None: empty)
        self.answered_after: dict[str, float] = {}  # seconds from press to answer
        self.join_requests: set[tuple[int, int]] = set()
        self.approved: list[tuple[int, int]] = []
        self.declined: list[tuple[int, int]] = []
        self.invite_links: list[dict[str, Any]] = []
        self.rate_limited: list[tuple[int, float]] = []  # (chat id, when) of each 429
        self.webhook: dict[str, str] = {}
        # Where webhook updates really go (the registered URL is a public https:// one).
        self.webhook_target: str | None = None
        self.webhook_acks: list[tuple[int, float]] = []
        self._webhook_worker: asyncio.Task[None] | None = None
        self._queue: list[dict[str, Any]] = []
        self._queue_changed = asyncio.Condition()
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(100)
        self._user_ids = itertools.count(1001)
        self._group_ids = itertools.count(1)
        self._queries: dict[str, float] = {}
        self._confirmed = 0  # every update id below this is confirmed
        self._arrivals: dict[int, deque[float]] = {}
        self._overall: deque[float] = deque()
        self._held: dict[int, float] = {}
        self._runner: web.AppRunner | None = None
        self._closing = False
        self.port = 0

    # ----------------------------------------------------------------- lifecycle

    async def __aenter__(self) -> FakeTelegram:
        app = web.Application(client_max_size=60 * 1024 * 1024)
        app.router.add_route("*", "/{path:.*}", self._endpoint)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._closing = True  # ends the long polls still waiting
        await self._notify()
        if self._webhook_worker is not None:
            self._webhook_worker.cancel()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_url(self) -> str:
        """What ``TELEGRAM_API_URL`` / ``base_url`` should be."""
        return f"http://127.0.0.1:{self.port}/bot"

    # ----------------------------------------------------------------- people and chats

    def user(
        self,
        first_name: str,
        *,
        language_code: str | None = "en",
        started: bool = True,
        last_name: str | None = None,
    ) -> User:
        """A new Telegram user (with a private chat with the bot when ``started``)."""
        user = User(
            next(self._user_ids), first_name, last_name, first_name.lower(), language_code, started
        )
        self.users[user.id] = user
        self.chats[user.id] = Chat(user.id, "private", user=user)
        return user

    def group(self, title: str) -> Chat:
        """A new supergroup the bot is in."""
        chat = Chat(-1001000000000 - next(self._group_ids), "supergroup", title)
        self.chats[chat.id] = chat
        return chat

    def in_chat(self, chat: Chat | User | int) -> list[Posted]:
        """What the bot posted in a chat, oldest first."""
        chat_id = chat if isinstance(chat, int) else chat.id
        return [p for p in self.posted if p.chat_id == chat_id]

    def texts(self, chat: Chat | User | int) -> list[str]:
        """The texts (or captions) the bot posted in a chat."""
        return [p.text or "" for p in self.in_chat(chat)]

    def calls_of(self, method: str) -> list[Call]:
        """Every call of one method."""
        return [c for c in self.calls if c.method == method]

    # ----------------------------------------------------------------- what people do

    def _push(self, kind: str, payload: dict[str, Any]) -> int:
        update_id = next(self._update_ids)
        update = {"update_id": update_id, kind: payload}
        self._check_own(update, "Update")
        self._queue.append(update)
        asyncio.get_running_loop().create_task(self._notify())
        self._start_webhook_worker()
        return update_id

    def _start_webhook_worker(self) -> None:
        if self.webhook and self.webhook_target and self._webhook_worker is None:
            self._webhook_worker = asyncio.get_running_loop().create_task(self._post_updates())

    async def _post_updates(self) -> None:
        """Webhook mode: posts each update until the bot answers 200, as Telegram does."""
        headers = {}
        if self.webhook.get("secret_token"):
            headers["X-Telegram-Bot-Api-Secret-Token"] = self.webhook["secret_token"]
        try:
            async with aiohttp.ClientSession() as session:
                while self._queue and self.webhook and self.webhook_target:
                    update = self._queue[0]
                    try:
                        async with session.post(
                            self.webhook_target, json=update, headers=headers
                        ) as response:
                            ok = response.status == 200
                    except aiohttp.ClientError:
                        ok = False
                    if ok:
                        self.webhook_acks.append((update["update_id"], time.monotonic()))
                        self._queue.pop(0)
                    else:
                        await asyncio.sleep(0.1)
        finally:
            self._webhook_worker = None

    async def _notify(self) -> None:
        async with self._queue_changed:
            self._queue_changed.notify_all()

    def _message(self, user: User, chat: Chat, **content: Any) -> dict[str, Any]:
        return {
            "message_id": next(self._message_ids),
            "from": user.as_json(),
            "chat": chat.as_json(),
            "date": int(time.time()),
            **content,
        }

    def say(self, user: User, text: str, chat: Chat | None = None) -> int:
        """``user`` sends ``text`` (privately unless ``chat``); returns the update id."""
        chat = chat or self.chats[user.id]
        if chat.type == "private":
            user.started = True
        content: dict[str, Any] = {"text": text}
        if text.startswith("/"):
            command = text.split()[0]
            content["entities"] = [
                {
                    "type": "bot_command",
                    "offset": 0,
                    "length": len(command.encode("utf-16-le")) // 2,
                }
            ]
        return self._push("message", self._message(user, chat, **content))

    def send_photo(self, user: User, chat: Chat | None = None) -> str:
        """``user`` sends a photo; returns the file id of its largest size."""
        chat = chat or self.chats[user.id]
        unique = secrets.token_hex(4)
        sizes = [
            {
                "file_id": f"photo-{unique}-{w}",
                "file_unique_id": f"u{unique}{w}",
                "width": w,
                "height": w * 3 // 4,
                "file_size": w * 60,
            }
            for w in (90, 320, 1280, 800)
        ]
        self._push("message", self._message(user, chat, photo=sizes))
        return f"photo-{unique}-1280"

    def press(self, user: User, posted: Posted, label: str, *, data: str | None = None) -> str:
        """``user`` presses a button of ``posted`` (or sends forged ``data``); the query id."""
        query_id = secrets.token_hex(8)
        self._queries[query_id] = time.monotonic()
        chat = self.chats[posted.chat_id]
        message = {
            "message_id": posted.message_id,
            "from": {"id": BOT_ID, "is_bot": True, "first_name": "IOPS", "username": BOT_USERNAME},
            "chat": chat.as_json(),
            "date": posted.date,
        }
        if posted.kind == "text":
            message["text"] = posted.text
        payload = {
            "id": query_id,
            "from": user.as_json(),
            "message": message,
            "chat_instance": str(abs(chat.id)),
            "data": data if data is not None else posted.data(label),
        }
        self._push("callback_query", payload)
        return query_id

    def request_join(self, user: User, chat: Chat) -> int:
        """``user`` asks to join ``chat`` (a link with join requests)."""
        self.join_requests.add((chat.id, user.id))
        user.started = True  # Telegram lets the bot write to a requester
        return self._push(
            "chat_join_request",
            {
                "chat": chat.as_json(),
                "from": user.as_json(),
                "user_chat_id": user.id,
                "date": int(time.time()),
            },
        )

    def join(self, users: list[User], chat: Chat) -> int:
        """``users`` join ``chat`` (added, or through a link)."""
        return self._push(
            "message",
            self._message(users[0], chat, new_chat_members=[u.as_json() for u in users]),
        )

    def add_bot(self, chat: Chat, by: User) -> int:
        """``by`` adds the bot to ``chat``."""
        bot = {"id": BOT_ID, "is_bot": True, "first_name": "IOPS", "username": BOT_USERNAME}
        return self._push(
            "my_chat_member",
            {
                "chat": chat.as_json(),
                "from": by.as_json(),
                "date": int(time.time()),
                "old_chat_member": {"status": "left", "user": bot},
                "new_chat_member": {"status": "member", "user": bot},
            },
        )

    def throttle(self, chat: Chat | User, seconds: int) -> None:
        """Telegram slows ``chat`` down: sends to it get 429 for ``seconds``."""
        self._held[chat.id] = time.monotonic() + seconds

    # ----------------------------------------------------------------- waiting

    @property
    def pending(self) -> int:
        """Updates not yet confirmed by the bot."""
        return sum(1 for u in self._queue if u["update_id"] >= self._confirmed)

    async def settled(self, within: float = 15.0) -> None:
        """Waits until the bot has confirmed every update (so handled them)."""
        deadline = time.monotonic() + within
        while self._queue:
            if time.monotonic() > deadline:
                raise AssertionError(f"{len(self._queue)} updates still unconfirmed")
            await asyncio.sleep(0.01)

    async def wait_for(self, predicate: Any, within: float = 15.0) -> None:
        """Waits until ``predicate()`` is true."""
        deadline = time.monotonic() + within
        while not predicate():
            if time.monotonic() > deadline:
                raise AssertionError("timed out waiting")
            await asyncio.sleep(0.01)

    # ----------------------------------------------------------------- the endpoint

    async def _endpoint(self, request: web.Request) -> web.Response:
        path = request.match_info["path"]
        prefix = f"bot{TOKEN}/"
        if not path.startswith(prefix):
            return self._error(401, "Unauthorized")
        method = path[len(prefix) :]
        params, uploads = await self._params(request)
        problems = self.spec.check_call(method, {**params, **uploads})
        call = Call(method, params, time.monotonic())
        self.calls.append(call)
        if problems:
            self.violations += problems
            call.status = 400
            return self._error(400, "Bad Request: " + "; ".join(problems))
        if self.failures.get(method):
            status = self.failures[method].pop(0)
            call.status = status
            return self._error(status, "Internal Server Error" if status == 500 else "Bad Gateway")
        handler = getattr(self, f"_m_{method}", None)
        if handler is None:
            self.violations.append(f"{method}: valid, but the fake does not implement it")
            call.status = 400
            return self._error(400, f"Bad Request: {method} not supported by the fake")
        if method in _MESSAGE_CALLS:
            wait = self._flood_wait(int(params["chat_id"]))
            if wait is not None:
                call.status = 429
                self.rate_limited.append((int(params["chat_id"]), call.at))
                return self._error(
                    429, f"Too Many Requests: retry after {wait}", {"retry_after": wait}
                )
        result = handler(params, uploads)
        if self.stalls.get(method):
            # The call takes effect, but its answer comes late (a read timeout for the bot).
            await asyncio.sleep(self.stalls[method].pop(0))
        if asyncio.iscoroutine(result):
            result = await result
        if isinstance(result, web.Response):
            call.status = result.status
            return result
        return web.json_response({"ok": True, "result": result})

    async def _params(self, request: web.Request) -> tuple[dict[str, str], dict[str, Upload]]:
        params: dict[str, str] = dict(request.query)
        uploads: dict[str, Upload] = {}
        if request.content_type == "application/json":
            body = await request.json()
            params.update({k: v if isinstance(v, str) else json.dumps(v) for k, v in body.items()})
        elif request.can_read_body:
            form = await request.post()
            for name, value in form.items():
                if isinstance(value, str):
                    params[name] = value
                else:
                    uploads[name] = Upload(value.filename, value.file.read())
        return params, uploads

    @staticmethod
    def _error(
        code: int, description: str, parameters: dict[str, Any] | None = None
    ) -> web.Response:
        body: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
        if parameters:
            body["parameters"] = parameters
        return web.json_response(body, status=code)

    def _check_own(self, value: Any, kind: str) -> None:
        problems = self.spec.check_object(value, kind, f"(fake's own {kind})")
        self.violations += problems

    # ----------------------------------------------------------------- flood limits

    def _flood_wait(self, chat_id: int) -> int | None:
        """Seconds to wait when this message would break a limit; else records it."""
        now = time.monotonic()
        held = self._held.get(chat_id, 0.0)
        if held > now:
            return max(1, math.ceil(held - now))
        if self.limits is None:
            return None
        windows = self.limits.private if chat_id > 0 else self.limits.group
        arrivals = self._arrivals.setdefault(chat_id, deque(maxlen=64))
        waits = [self._window_wait(arrivals, count, seconds, now) for count, seconds in windows]
        waits.append(self._window_wait(self._overall, *self.limits.overall, now))
        wait = max(waits)
        if wait > 0:
            return max(1, math.ceil(wait))
        arrivals.append(now)
        self._overall.append(now)
        while len(self._overall) > self.limits.overall[0]:
            self._overall.popleft()
        return None

    def _window_wait(self, arrivals: deque[float], count: int, seconds: float, now: float) -> float:
        assert self.limits is not None
        if len(arrivals) < count:
            return 0.0
        oldest = arrivals[-count]
        if now - oldest >= seconds - self.limits.tolerance:
            return 0.0
        return seconds - (now - oldest)

    # ----------------------------------------------------------------- methods

    def _bot_json(self) -> dict[str, Any]:
        return {
            "id": BOT_ID,
            "is_bot": True,
            "first_name": "IOPS",
            "username": BOT_USERNAME,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    def _m_getMe(self, params: dict[str, str], uploads: dict[str, Upload]) -> Any:
        return self._bot_json()

    def _m_deleteWebhook(self, params: dict[str, str], uploads: dict[str, Upload]) -> Any:
        self.webhook = {}
        return True

    def _m_setWebhook(self, params: dict[str, str], uploads: dict[str, Upload]) -> Any:
        self.webhook = dict(params)
        self._start_webhook_worker()
        return True

    async def _m_getUpdates(self, params: dict[str, str], uploads: dict[str, Upload]) -> Any:
        if self.webhook:
            return self._error(409, "Conflict: can't use getUpdates method while webhook is active")
        offset = int(params.get("offset", "0"))
        limit = int(params.get("limit", "100"))
        timeout = float(params.get("timeout", "0"))
        if offset > 0:  # confirms everything below it
            self._confirmed = max(self._confirmed, offset)
            self._queue = [u for u in self._queue if u["update_id"] >= offset]
        deadline = time.monotonic() + timeout
        async with self._queue_changed:
            while not self._queue and not self._closing and time.monotonic() < deadline:
                try:
                    await asyncio.wait_for(
                        self._queue_changed.wait(), max(0.0, deadline - time.monotonic())
                    )
                except TimeoutError:
                    break
        return self._queue[:limit]

    def _chat_for_send(self, params: dict[str, str]) -> Chat | web.Response:
        chat = self.chats.get(int(params["chat_id"]))
        if chat is None:
            return self._error(400, "Bad Request: chat not found")
        if chat.user is not None:
            if chat.user.blocked:
                return self._error(403, "Forbidden: bot was blocked by the user")
            if not chat.user.started:
                return self._error(403, "Forbidden: bot can't initiate conversation with a user")
        return chat

    def _keyboard(self, params: dict[str, str]) -> list[list[tuple[str, str]]]:
        markup = json.loads(params.get("reply_markup", "null")) or {}
        return [
            [(b["text"], b.get("callback_data", "")) for b in row]
            for row in markup.get("inline_keyboard", [])
        ]

    def _post(
        self,
        chat: Chat,
        kind: str,
        text: str | None,
        params: dict[str, str],
        upload: Upload | None = None,
    ) -> Any:
        posted = Posted(
            chat.id,
            next(self._message_ids),
            kind,
            text,
            self._keyboard(params),
            int(time.time()),
            time.monotonic(),
            params,
            upload.filename if upload else None,
            upload.content if upload else None,
        )
        self.posted.append(posted)
        return self._message_json(posted)

    def _message_json(self, posted: Posted) -> dict[str, Any]:
        chat = self.chats[posted.chat_id]
        data: dict[str, Any] = {
            "message_id": posted.message_id,
            "from": {"id": BOT_ID, "is_bot": True, "first_name": "IOPS", "username": BOT_USERNAME},
            "chat": chat.as_json(),
            "date": posted.date,
        }
        if posted.kind == "text":
            data["text"] = posted.text
        else:
            if posted.text:
                data["caption"] = posted.text
            unique = f"f{posted.message_id}"
            if posted.kind == "photo":
                data["photo"] = [
                    {
                        "file_id": f"{unique}-{w}",
                        "file_unique_id": f"{unique}{w}",
                        "width": w,
                        "height": w * 3 // 4,
                    }
                    for w in (90, 320, 800)
                ]
            else:
                data["document"] = {
                    "file_id": unique,
                    "file_unique_id": unique,
                    "file_name": posted.filename or "file",
                    "file_size": len(posted.content or b""),
                }
        if posted.buttons:
            data["reply_markup"] = {
                "inline_keyboard": [
                    [{"text": label, "callback_data": cb} for label, cb in row]
                    for row in posted.buttons
                ]
            }
        self._check_own(data, "Message")
        return data

    def _m_sendMessage(self, params: dict[str, str], uploads: dict[str, Upload]) -> Any:
        chat = self._chat_for_send(params)
        if isinstance(chat, web.Response):
            return chat
        return self._post(chat, "text", params["text"], params)

    def _m_sendPhoto(self, params: dict[str, str], uploads: dict[str, Upload]) -> Any:
        chat = self._chat_for_send(params)
        if isinstance(chat, web.Response):
            return chat
        return self._post(chat, "photo", params.get("caption"), params, uploads.get("photo"))

    def _m_sendDocument(self, params: dict[str, str], uploads: dict[str, Upload]) -> Any:
        chat = self._chat_for_send(params)
        if isinstance(chat, web.Response):
            return chat
        return self._post(chat, "document", params.get("caption"), params, uploads.get("document"))

    def _find(self, params: dict[str, str]) -> Posted | web.Response:
        chat_id, message_id = int(params.get("chat_id", "0")), int(params.get("message_id", "0"))
        for posted in self.posted:
            if posted.chat_id == chat_id and posted.message_id == message_id:
                return posted
        return self._error(400, "Bad Request: message to edit not found")

    def _edit(self, params: dict[str, str], text: str | None, field_kind: str) -> Any:
        posted = self._find(params)
        if isinstance(posted, web.Response):
            return posted
        if field_kind == "text" and posted.kind != "text":
            return self._error(400, "Bad Request: there is no text in the message to edit")
        if field_kind == "caption" and posted.kind == "text":
            return self._error(400, "Bad Request: there is no caption in the message to edit")
        buttons = self._keyboard(params)
        new_text = posted.text if field_kind == "markup" else text
        if new_text == posted.text and buttons == posted.buttons:
            return self._error(
                400,
                "Bad Request: message is not modified: specified new message content and reply "
                "markup are exactly the same as a current content and reply markup of the message",
            )
        posted.edits.append(posted.text)
        posted.text, posted.buttons = new_text, buttons
        return self._message_json(posted)

    def _m_editMessageText(self, params: dict[str, str], uploads: dict[str, Upload]) -> Any:
        return self._edit(params, params.get("text"), "text")

    def _m_editMessageCaption(self, params: dict[str, str], uploads: dict[str, Upload]) -> Any:
        return self._edit(params, params.get("caption"), "caption")

    def _m_editMessageReplyMarkup(self, params: dict[str, str], uploads: dict[str, Upload]) -> Any:
        return self._edit(params, None, "markup")

    def _m_answerCallbackQuery(self, params: dict[str, str], uploads: dict[str, Upload]) -> Any:
        query_id = params["callback_query_id"]
        if query_id not in self._queries or query_id in self.answers:
            if self.strict_answers:
                self.violations.append(f"answerCallbackQuery: query {query_id} answered twice")
            return self._error(
                400,
                "Bad Request: query is too old and response timeout expired or query ID is invalid",
            )
        self.answers[query_id] = params.get("text")
        self.answered_after[query_id] = time.monotonic() - self._queries[query_id]
        return True

    def _join_decision(self, params: dict[str, str], into: list[tuple[int, int]]) -> Any:
        key = (int(params["chat_id"]), int(params["user_id"]))
        if key not in self.join_requests:
            return self._error(400, "Bad Request: HIDE_REQUESTER_MISSING")
        self.join_requests.discard(key)
        into.append(key)
        return True

    def _m_approveChatJoinRequest(self, params: dict[str, str], uploads: dict[str, Upload]) -> Any:
        return self._join_decision(params, self.approved)

    def _m_declineChatJoinRequest(self, params: dict[str, str], uploads: dict[str, Upload]) -> Any:
        return self._join_decision(params, self.declined)

    def _m_createChatInviteLink(self, params: dict[str, str], uploads: dict[str, Upload]) -> Any:
        if int(params["chat_id"]) not in self.chats:
            return self._error(400, "Bad Request: chat not found")
        link: dict[str, Any] = {
            "invite_link": f"https://t.me/+{secrets.token_urlsafe(12)}",
            "creator": self._bot_json(),
            "creates_join_request": False,
            "is_primary": False,
            "is_revoked": False,
        }
        for name in ("member_limit", "expire_date"):
            if name in params:
                link[name] = int(params[name])
        self._check_own(link, "ChatInviteLink")
        self.invite_links.append({"chat_id": int(params["chat_id"]), **link})
        return link

    def iter_updates(self) -> Iterator[dict[str, Any]]:
        """The updates not yet confirmed."""
        return iter(list(self._queue))
