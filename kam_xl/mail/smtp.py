"""Sending written e-mails over SMTP: retries with backoff, and a send log so nothing is ever sent twice."""

from __future__ import annotations

import json
import os
import smtplib
import ssl as tls
import time
from collections.abc import Callable
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import datetime
from email.parser import BytesHeaderParser
from email.policy import default as default_policy
from pathlib import Path

from kam_xl.errors import SendError
from kam_xl.progress import Progress, every

SEND_LOG = "send-log.jsonl"
MANIFEST = "messages.json"
ENV = {
    "host": "KAM_SMTP_HOST",
    "port": "KAM_SMTP_PORT",
    "user": "KAM_SMTP_USER",
    "password": "KAM_SMTP_PASSWORD",
}
DEFAULT_PORTS = {"none": 25, "starttls": 587, "ssl": 465}
LOOPBACK = ("localhost", "127.0.0.1", "::1")
MAX_DELAY = 60.0


@dataclass(frozen=True)
class SmtpSettings:
    """Where and how to deliver. The password comes from KAM_SMTP_PASSWORD only and is never shown."""

    host: str
    port: int
    security: str = "none"  # "none", "starttls" or "ssl"
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    timeout: float = 30.0

    @classmethod
    def from_env(
        cls,
        host: str | None = None,
        port: int | str | None = None,
        starttls: bool = False,
        ssl: bool = False,
        user: str | None = None,
        environ: dict | None = None,
    ) -> SmtpSettings:
        """Settings from the options, each falling back to its KAM_SMTP_* variable."""
        env = os.environ if environ is None else environ
        if starttls and ssl:
            raise SendError("choose one of --starttls and --ssl")
        security = "starttls" if starttls else "ssl" if ssl else "none"
        host = host or env.get(ENV["host"], "")
        if not host:
            raise SendError(f"no SMTP server: give --smtp-host or set {ENV['host']}")
        port = port or env.get(ENV["port"]) or DEFAULT_PORTS[security]
        try:
            port = int(port)
        except ValueError:
            raise SendError(f"SMTP port {port!r} is not a number") from None
        user = user or env.get(ENV["user"]) or None
        password = env.get(ENV["password"]) or None
        if user and not password:
            raise SendError(
                f"SMTP user {user} needs a password: set {ENV['password']} (it is never asked for, printed or written)"
            )
        settings = cls(host, port, security, user, password)
        settings.check()
        return settings

    def check(self) -> None:
        """KamError (SendError) when a setting is missing or inconsistent, before anything is sent."""
        if self.user and self.security == "none" and self.host.lower() not in LOOPBACK:
            raise SendError(f"refusing to send the SMTP password unencrypted to {self.host}: use --starttls or --ssl")
        if not (self.user or "").isascii() or not (self.password or "").isascii():
            raise SendError(f"{ENV['user']} and {ENV['password']} must be plain ASCII for SMTP login")

    def describe(self) -> str:
        """The server and security as one line for the report (never the password)."""
        who = f"{self.user}@" if self.user else ""
        return f"smtp://{who}{self.host}:{self.port} ({self.security})"


@dataclass
class SendReport:
    """What a send run did: sent now, sent before (skipped), failed for good, left for the next run."""

    log: Path
    sent: list[str] = field(default_factory=list)
    already_sent: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    not_sent: list[str] = field(default_factory=list)
    refused: dict[str, dict] = field(default_factory=dict)  # message id -> recipient -> reply (others got it)

    @property
    def complete(self) -> bool:
        """Every e-mail reached every recipient."""
        return not self.failed and not self.not_sent and not self.refused

    def as_dict(self) -> dict:
        return {
            "log": str(self.log),
            "sent": self.sent,
            "already_sent": self.already_sent,
            "failed": self.failed,
            "not_sent": self.not_sent,
            "refused": self.refused,
            "complete": self.complete,
        }


# ---------------------------------------------------------------------------
# The send log
# ---------------------------------------------------------------------------


class SendLog:
    """DIR/send-log.jsonl: one JSON line per outcome, appended and fsynced before the next e-mail goes out."""

    def __init__(self, path: Path):
        self.path = path

    def entries(self) -> list[dict]:
        """Every complete line (a line cut short by a crash is ignored)."""
        if not self.path.exists():
            return []
        found = []
        for line in self.path.read_text(encoding="utf-8", errors="replace").splitlines():
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if isinstance(entry, dict) and entry.get("message_id"):
                found.append(entry)
        return found

    def sent_ids(self) -> set[str]:
        return {e["message_id"] for e in self.entries() if e.get("status") == "sent"}

    def append(self, entry: dict) -> None:
        line = (
            json.dumps(
                {"time": datetime.now().astimezone().isoformat(timespec="seconds"), **entry},
                ensure_ascii=False,
            )
            + "\n"
        )
        with open(self.path, "ab") as handle:
            if handle.tell() and not _ends_with_newline(self.path):
                handle.write(b"\n")  # after a torn line, start a new one
            handle.write(line.encode("utf-8"))
            handle.flush()
            os.fsync(handle.fileno())

    @contextmanager
    def locked(self):
        """Only one send run per folder at a time (the lock goes away with the process)."""
        with open(self.path.with_name(self.path.name + ".lock"), "a+b") as handle:
            if not _try_lock(handle):
                raise SendError(f"another send is running on {self.path.parent} (lock {handle.name})")
            yield self


def _ends_with_newline(path: Path) -> bool:
    with open(path, "rb") as handle:
        handle.seek(-1, os.SEEK_END)
        return handle.read(1) == b"\n"


def _try_lock(handle) -> bool:
    try:
        import fcntl
    except ImportError:  # Windows
        import msvcrt

        try:
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
            return True
        except OSError:
            return False
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except OSError:
        return False


# ---------------------------------------------------------------------------
# What to send
# ---------------------------------------------------------------------------


@dataclass
class Outgoing:
    """One .eml file with its envelope read from its own headers."""

    file: Path
    message_id: str
    sender: str
    recipients: list[str]
    kind: str = ""


def outgoing(path: Path, kind: str = "") -> Outgoing:
    with open(path, "rb") as handle:
        headers = BytesHeaderParser(policy=default_policy).parse(handle)
    recipients = [a.addr_spec for name in ("To", "Cc", "Bcc") if headers[name] for a in headers[name].addresses]
    senders = headers["From"].addresses if headers["From"] else ()
    if not headers["Message-ID"] or not senders or not recipients:
        raise SendError(f"{path}: not an e-mail written by kam email (Message-ID, From or To missing)")
    return Outgoing(path, str(headers["Message-ID"]).strip(), senders[0].addr_spec, recipients, kind)


def messages_of(source, folder: Path | None = None) -> tuple[Path, list[Outgoing]]:
    """(folder, e-mails) of an output folder (its messages.json), a batch or a list of message records."""
    if isinstance(source, (str, Path)):
        folder = Path(source)
        manifest = folder / MANIFEST
        if not manifest.exists():
            raise SendError(f"{folder} has no {MANIFEST}: write the e-mails first (kam email BOOK --out {folder})")
        records = json.loads(manifest.read_text(encoding="utf-8"))["messages"]
        return folder, [outgoing(folder / r["file"], r.get("kind", "")) for r in records]
    folder = Path(getattr(source, "folder", None) or folder or "")
    if not str(folder):
        raise SendError("say which folder the e-mails were written to (folder=...)")
    return folder, [outgoing(folder / r.file, r.kind) for r in source]


# ---------------------------------------------------------------------------
# SMTP
# ---------------------------------------------------------------------------


class Connection:
    """An SMTP session opened when first needed and opened again after it dropped."""

    def __init__(self, settings: SmtpSettings):
        self.settings = settings
        self.smtp: smtplib.SMTP | None = None

    def open(self) -> smtplib.SMTP:
        if self.smtp is None:
            s = self.settings
            if s.security == "ssl":
                smtp = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout, context=tls.create_default_context())
            else:
                smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
            try:
                if s.security == "starttls":
                    smtp.starttls(context=tls.create_default_context())
                if s.user:
                    smtp.login(s.user, s.password or "")
            except BaseException:
                _quietly(smtp.close)
                raise
            self.smtp = smtp
        return self.smtp

    def send(self, item: Outgoing) -> dict:
        """Deliver one file as it is; returns the recipients the server refused while taking it for the others."""
        return self.open().sendmail(item.sender, item.recipients, item.file.read_bytes())

    def drop(self) -> None:
        if self.smtp is not None:
            _quietly(self.smtp.close)
            self.smtp = None

    def close(self) -> None:
        if self.smtp is not None:
            _quietly(self.smtp.quit)
        self.drop()


def _quietly(action: Callable) -> None:
    with suppress(OSError, smtplib.SMTPException):
        action()


def temporary(exc: BaseException) -> bool:
    """Whether trying again later may work: a 4xx reply, a dropped or refused connection, a timeout."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(400 <= code < 500 for code, _ in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPResponseException):
        return 400 <= exc.smtp_code < 500
    if isinstance(exc, smtplib.SMTPException):
        return isinstance(exc, smtplib.SMTPServerDisconnected)
    return isinstance(exc, OSError) and not isinstance(exc, tls.SSLCertVerificationError)


def reply_text(exc: BaseException) -> str:
    """The server's answer or the connection problem, for the log (never the settings or the password)."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "; ".join(f"{who}: {code} {_text(msg)}" for who, (code, msg) in exc.recipients.items())
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{exc.smtp_code} {_text(exc.smtp_error)}"
    return f"{type(exc).__name__}: {exc}"


def _text(message) -> str:
    return message.decode("utf-8", "replace") if isinstance(message, bytes) else str(message)


def send_emails(
    source,
    settings: SmtpSettings,
    *,
    folder: str | Path | None = None,
    attempts: int = 5,
    backoff: float = 2.0,
    progress: Progress | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> SendReport:
    """Send the e-mails written by build_emails that the send log does not list as sent.

    `source` is the output folder, the EmailBatch or a list of message records (then give `folder`).
    Temporary failures (4xx, dropped connections) are tried `attempts` times with doubling delays from
    `backoff` seconds; a permanent refusal (5xx) is logged and the others still go. When the server stays
    unavailable the run stops, and running it again sends only what is not logged as sent. Raises
    SendError (with `.report`) unless every e-mail went out.
    """
    folder, items = messages_of(source, Path(folder) if folder else None)
    log = SendLog(folder / SEND_LOG)
    report = SendReport(log.path)
    with log.locked():
        done = log.sent_ids()
        report.already_sent = [i.message_id for i in items if i.message_id in done]
        pending = [i for i in items if i.message_id not in done]
        Delivery(Connection(settings), log, report, folder, attempts, backoff, sleep).run(pending, progress)
    if not report.complete:
        error = SendError(_incomplete(report, folder))
        error.report = report
        raise error
    return report


@dataclass
class Delivery:
    """One send run: each e-mail tried until sent, refused for good, or the server stays unavailable."""

    connection: Connection
    log: SendLog
    report: SendReport
    folder: Path
    attempts: int
    backoff: float
    sleep: Callable[[float], None]

    def run(self, pending: list[Outgoing], progress: Progress | None) -> None:
        tick = every(progress, "sending e-mails", len(pending))
        try:
            for done, item in enumerate(pending, start=1):
                if not self.deliver(item):
                    self.report.not_sent = [i.message_id for i in pending[done - 1 :]]
                    return
                tick(done)
        finally:
            self.connection.close()

    def deliver(self, item: Outgoing) -> bool:
        """Send one e-mail; False when the server stays unavailable (the run stops there)."""
        entry = {
            "message_id": item.message_id,
            "file": item.file.relative_to(self.folder).as_posix(),
            "kind": item.kind,
            "to": item.recipients,
        }
        for attempt in range(1, self.attempts + 1):
            try:
                refused = self.connection.send(item)
            except smtplib.SMTPAuthenticationError as exc:
                self.connection.drop()
                raise SendError(
                    f"the SMTP server refused the login of {self.connection.settings.user}: "
                    f"{reply_text(exc)} (check KAM_SMTP_USER and KAM_SMTP_PASSWORD)"
                ) from None
            except (OSError, smtplib.SMTPException) as exc:
                self.connection.drop()
                if not temporary(exc):
                    self.log.append({**entry, "status": "failed", "attempts": attempt, "reply": reply_text(exc)})
                    self.report.failed[item.message_id] = reply_text(exc)
                    return True
                if attempt < self.attempts:
                    self.sleep(min(self.backoff * 2 ** (attempt - 1), MAX_DELAY))
                    continue
                self.log.append({**entry, "status": "deferred", "attempts": attempt, "reply": reply_text(exc)})
                return False
            self.sent(item, entry, attempt, refused)
            return True
        return False

    def sent(self, item: Outgoing, entry: dict, attempt: int, refused: dict) -> None:
        refusals = {who: f"{code} {_text(msg)}" for who, (code, msg) in refused.items()}
        self.log.append({**entry, "status": "sent", "attempts": attempt, "refused": refusals})
        self.report.sent.append(item.message_id)
        if refusals:
            self.report.refused[item.message_id] = refusals


def _incomplete(report: SendReport, folder: Path) -> str:
    parts = [f"{len(report.sent)} e-mail(s) sent now, {len(report.already_sent)} sent before"]
    if report.failed:
        parts.append(
            f"{len(report.failed)} refused by the server: "
            + "; ".join(f"{mid} {why}" for mid, why in list(report.failed.items())[:5])
        )
    if report.refused:
        parts.append(
            f"{len(report.refused)} sent with some recipients refused (not sent again): "
            + "; ".join(
                f"{who} {why}" for refusals in list(report.refused.values())[:5] for who, why in refusals.items()
            )
        )
    if report.not_sent:
        parts.append(f"{len(report.not_sent)} not sent yet because the server is not available")
    return (
        ", ".join(parts) + f". Run the same command again to send the rest: {folder / SEND_LOG} lists what was "
        "sent, and it is never sent twice."
    )


def sent_message_ids(folder: str | Path) -> set[str]:
    """The Message-IDs the send log of an output folder lists as sent."""
    return SendLog(Path(folder) / SEND_LOG).sent_ids()
