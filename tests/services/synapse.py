"""A throwaway Synapse homeserver on 127.0.0.1 for the Matrix adapter's tests.

Synapse lives in its own virtual environment under ``build/`` (``make test`` installs it
with tests/services/ensure-synapse.sh). The server gets a generated configuration in a
temporary folder: SQLite, a free port, registration by shared secret only, rate limits
relaxed so that tests are not slowed down (one test tightens them for the bot through the
admin API), no federation, no presence. Started once per test session, always stopped.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
VENV = Path(os.environ.get("SYNAPSE_VENV", ROOT / "build" / "synapse-venv"))
SERVER_NAME = "localhost"
_RELAXED = {"per_second": 1000, "burst_count": 1000}


def synapse_python() -> Path | None:
    """The interpreter of the Synapse virtual environment, if Synapse is installed there."""
    python = VENV / "bin" / "python"
    if not python.exists():
        return None
    found = subprocess.run(
        [str(python), "-c", "import synapse"], capture_output=True, timeout=60, check=False
    )
    return python if found.returncode == 0 else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class Account:
    """A registered user: id, password and an access token of their own."""

    user_id: str
    password: str
    access_token: str


class SynapseServer:
    """One Synapse process with a generated configuration.

    Raises:
        FileNotFoundError: Synapse is not installed (see ensure-synapse.sh).
    """

    def __init__(self) -> None:
        python = synapse_python()
        if python is None:
            raise FileNotFoundError(
                f"Synapse is not installed in {VENV} (run tests/services/ensure-synapse.sh)"
            )
        self.python = python
        self.port = _free_port()
        self.root = Path(tempfile.mkdtemp(prefix="iopsbot-synapse-"))
        self.secret = secrets.token_hex(16)
        self.url = f"http://127.0.0.1:{self.port}"
        self._process: subprocess.Popen[bytes] | None = None

    def _config(self) -> dict[str, Any]:
        return {
            "server_name": SERVER_NAME,
            "pid_file": str(self.root / "homeserver.pid"),
            "listeners": [
                {
                    "port": self.port,
                    "bind_addresses": ["127.0.0.1"],
                    "type": "http",
                    "tls": False,
                    "x_forwarded": False,
                    "resources": [{"names": ["client"], "compress": False}],
                }
            ],
            "database": {"name": "sqlite3", "args": {"database": str(self.root / "home.db")}},
            "log_config": str(self.root / "log.yaml"),
            "media_store_path": str(self.root / "media"),
            "signing_key_path": str(self.root / "signing.key"),
            "registration_shared_secret": self.secret,
            "enable_registration": False,
            "report_stats": False,
            "trusted_key_servers": [],
            "suppress_key_server_warning": True,
            "url_preview_enabled": False,
            "presence": {"enabled": False},
            "federation_domain_whitelist": [],
            "macaroon_secret_key": secrets.token_hex(16),
            "form_secret": secrets.token_hex(16),
            "rc_message": _RELAXED,
            "rc_registration": _RELAXED,
            "rc_room_creation": _RELAXED,
            "rc_login": {"address": _RELAXED, "account": _RELAXED, "failed_attempts": _RELAXED},
            "rc_joins": {"local": _RELAXED, "remote": _RELAXED},
            "rc_joins_per_room": _RELAXED,
            "rc_invites": {"per_room": _RELAXED, "per_user": _RELAXED, "per_issuer": _RELAXED},
            "rc_admin_redaction": _RELAXED,
        }

    def start(self) -> None:
        """Writes the configuration and a signing key, starts Synapse, waits until it serves."""
        config = self.root / "homeserver.yaml"
        # JSON is YAML: no YAML writer is needed.
        config.write_text(json.dumps(self._config(), indent=1), encoding="utf-8")
        (self.root / "log.yaml").write_text(
            json.dumps(
                {
                    "version": 1,
                    "formatters": {"plain": {"format": "%(asctime)s %(name)s %(message)s"}},
                    "handlers": {
                        "file": {
                            "class": "logging.FileHandler",
                            "formatter": "plain",
                            "filename": str(self.root / "homeserver.log"),
                        }
                    },
                    "root": {"level": "WARNING", "handlers": ["file"]},
                    "disable_existing_loggers": False,
                }
            ),
            encoding="utf-8",
        )
        command = [str(self.python), "-m", "synapse.app.homeserver", "-c", str(config)]
        subprocess.run([*command, "--generate-keys"], check=True, capture_output=True, timeout=120)
        self._process = subprocess.Popen(
            command,
            stdout=(self.root / "stdout.log").open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"Synapse exited: {self.log_tail()}")
            try:
                with urllib.request.urlopen(f"{self.url}/_matrix/client/versions", timeout=2):
                    return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"Synapse did not start in time: {self.log_tail()}")

    def log_tail(self, lines: int = 30) -> str:
        """The end of Synapse's own output, for failure messages."""
        text = ""
        for name in ("stdout.log", "homeserver.log"):
            path = self.root / name
            if path.exists():
                text += path.read_text(encoding="utf-8", errors="replace")
        return "\n".join(text.splitlines()[-lines:])

    def stop(self) -> None:
        """Stops Synapse and deletes its folder."""
        try:
            if self._process is not None and self._process.poll() is None:
                os.killpg(self._process.pid, signal.SIGTERM)
                try:
                    self._process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    os.killpg(self._process.pid, signal.SIGKILL)
                    self._process.wait(timeout=20)
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def _call(
        self, method: str, path: str, body: dict[str, Any] | None = None, token: str | None = None
    ) -> dict[str, Any]:
        request = urllib.request.Request(
            self.url + path,
            data=None if body is None else json.dumps(body).encode("utf-8"),
            method=method,
            headers={"Content-Type": "application/json"},
        )
        if token is not None:
            request.add_header("Authorization", f"Bearer {token}")
        with urllib.request.urlopen(request, timeout=30) as response:
            answer: dict[str, Any] = json.loads(response.read() or b"{}")
            return answer

    def register(self, localpart: str, *, admin: bool = False) -> Account:
        """Registers a user through the shared-secret admin API."""
        password = secrets.token_hex(12)
        nonce = self._call("GET", "/_synapse/admin/v1/register")["nonce"]
        body = {
            "nonce": nonce,
            "username": localpart,
            "password": password,
            "admin": admin,
            "mac": _register_mac(self.secret, nonce, localpart, password, admin),
        }
        answer = self._call("POST", "/_synapse/admin/v1/register", body)
        return Account(answer["user_id"], password, answer["access_token"])

    def override_ratelimit(self, admin: Account, user_id: str, per_second: int, burst: int) -> None:
        """Sets a user's message rate limit.

        The admin API an organisation uses to exempt its bot (with 0 and 0).
        """
        self._call(
            "POST",
            f"/_synapse/admin/v1/users/{urllib.request.quote(user_id)}/override_ratelimit",
            {"messages_per_second": per_second, "burst_count": burst},
            token=admin.access_token,
        )

    def notifications(self, account: Account) -> list[dict[str, Any]]:
        """The notifications the homeserver raised for ``account`` (push rules applied)."""
        answer = self._call(
            "GET", "/_matrix/client/v3/notifications?limit=100", token=account.access_token
        )
        notifications: list[dict[str, Any]] = answer.get("notifications", [])
        return notifications

    def clear_ratelimit(self, admin: Account, user_id: str) -> None:
        """Removes a user's rate-limit override."""
        with contextlib.suppress(urllib.error.HTTPError):
            self._call(
                "DELETE",
                f"/_synapse/admin/v1/users/{urllib.request.quote(user_id)}/override_ratelimit",
                token=admin.access_token,
            )


def _register_mac(secret: str, nonce: str, user: str, password: str, admin: bool) -> str:
    mac = hmac.new(secret.encode("utf-8"), digestmod=hashlib.sha1)
    mac.update(nonce.encode("utf-8"))
    mac.update(b"\x00")
    mac.update(user.encode("utf-8"))
    mac.update(b"\x00")
    mac.update(password.encode("utf-8"))
    mac.update(b"\x00")
    mac.update(b"admin" if admin else b"notadmin")
    return mac.hexdigest()
