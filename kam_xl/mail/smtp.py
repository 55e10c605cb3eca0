"""Sending written e-mails over SMTP: retries with backoff, and a send log so nothing is ever sent twice.

Each e-mail goes out in SMTP transactions (RFC 5321): the recipients the server accepts get it; those it
refuses for now (4xx, such as 452 too many recipients) get it in a new transaction on the same connection,
and on the next run when the server still refuses them; those it refuses for good (5xx, such as 550 no such
user) are reported and never tried again. The send log records who got each e-mail, so a re-run sends it
only to those who have not, and never to anyone twice.
"""

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
        if not 1 <= port <= 65535:
            raise SendError(f"SMTP port {port} does not exist: give a port from 1 to 65535 (25, 587 or 465 usually)")
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
    """What a send run did: sent now, sent before, refused (per address), left for the next run."""

    log: Path
    sent: list[str] = field(default_factory=list)  # e-mails delivered now to at least one recipient
    already_sent: list[str] = field(default_factory=list)  # nothing left to send before this run
    failed: dict[str, str] = field(default_factory=dict)  # refused as a whole (5xx to MAIL or DATA): next run
    not_sent: list[str] = field(default_factory=list)  # the server stayed unavailable: next run
    unavailable: str = ""  # why the server was not available (the last connection problem), when it was not
    refused: dict[str, dict] = field(default_factory=dict)  # message id -> address -> 5xx reply now: for good
    deferred: dict[str, dict] = field(default_factory=dict)  # message id -> address -> 4xx reply: next run
    refused_before: dict[str, dict] = field(default_factory=dict)  # 5xx in an earlier run: not tried again
    delivered: dict[str, list] = field(default_factory=dict)  # message id -> the addresses that got it now

    @property
    def complete(self) -> bool:
        """Nothing is left for a re-run to send and no address was refused in this run."""
        return not self.failed and not self.not_sent and not self.refused and not self.deferred

    def lines(self, limit: int = 20) -> list[str]:
        """The outcome in words, one address per line for those refused (at most `limit` of each kind)."""
        out = [f"sent {len(self.sent)}, sent before {len(self.already_sent)} (log {self.log})"]
        for title, found in (
            ("refused for good (5xx, not sent again: correct the address)", self.refused),
            ("refused in an earlier run (5xx, not sent again: correct the address)", self.refused_before),
            ("refused for now (4xx): sent to them when you run the same command again", self.deferred),
        ):
            out += _addresses(title, found, limit)
        return out

    def as_dict(self) -> dict:
        return {
            "log": str(self.log),
            "sent": self.sent,
            "already_sent": self.already_sent,
            "failed": self.failed,
            "not_sent": self.not_sent,
            "unavailable": self.unavailable,
            "refused": self.refused,
            "deferred": self.deferred,
            "refused_before": self.refused_before,
            "delivered": self.delivered,
            "complete": self.complete,
        }


def _addresses(title: str, found: dict[str, dict], limit: int) -> list[str]:
    pairs = [(who, reply) for replies in found.values() for who, reply in replies.items()]
    if not pairs:
        return []
    more = [f"  ... and {len(pairs) - limit} more (all in the send log)"] if len(pairs) > limit else []
    return [f"{len(pairs)} address(es) {title}:", *(f"  {who}: {reply}" for who, reply in pairs[:limit]), *more]


def permanent(code: int) -> bool:
    """Whether an SMTP reply code refuses for good (5xx). 552 to RCPT is "too many recipients": for now."""
    return code >= 500 and code != 552


def reply_code(reply: str) -> int:
    """The code at the start of a reply as logged ("550 5.1.1 no such user" -> 550; 0 when there is none)."""
    head = (reply or "")[:3]
    return int(head) if head.isdigit() else 0


@dataclass
class Logged:
    """What the send log says about one e-mail: who got it, who refused it for good."""

    accepted: set[str] = field(default_factory=set)  # lower-case addresses
    refused: dict[str, str] = field(default_factory=dict)  # lower-case address -> 5xx reply
    everyone: bool = False  # logged as sent by an older kam, without recipients: sent to all
    to: list[str] = field(default_factory=list)

    def left(self, recipients: list[str]) -> list[str]:
        """The recipients still to send to: not accepted and not refused for good."""
        if self.everyone:
            return []
        return [r for r in recipients if r.lower() not in self.accepted and r.lower() not in self.refused]

    def add(self, entry: dict) -> None:
        self.to = list(entry.get("to") or self.to)
        if "recipients" in entry:
            self.accepted |= {str(r).lower() for r in entry["recipients"] or ()}
            for who, reply in (entry.get("refused") or {}).items():
                if permanent(reply_code(str(reply))):
                    self.refused[str(who).lower()] = str(reply)
        elif entry.get("status") == "sent":
            self.everyone = True


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

    def history(self) -> dict[str, Logged]:
        """Message id -> who got it and who refused it for good, from every line."""
        found: dict[str, Logged] = {}
        for entry in self.entries():
            found.setdefault(entry["message_id"], Logged()).add(entry)
        return found

    def sent_ids(self) -> set[str]:
        """The e-mails with nobody left to send to (each recipient got it or refused it for good)."""
        return {
            mid
            for mid, logged in self.history().items()
            if logged.everyone or (logged.to and not logged.left(logged.to))
        }

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
    recipients = list(
        {
            a.addr_spec.lower(): a.addr_spec
            for name in ("To", "Cc", "Bcc")
            if headers[name]
            for a in headers[name].addresses
        }.values()
    )  # each address once, To first
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

    def transaction(self, sender: str, recipients: list[str], data: bytes) -> dict[str, tuple[int, bytes]]:
        """One MAIL FROM / RCPT TO... / DATA; returns the recipients the server refused, with its replies.

        When it refuses every recipient nothing is sent and all of them come back; a 421 (the server closes
        the connection) raises, like a failure of MAIL FROM or DATA, since then nobody got the message.
        """
        try:
            return self.open().sendmail(sender, recipients, data)
        except smtplib.SMTPRecipientsRefused as exc:
            if any(code == 421 for code, _ in exc.recipients.values()):
                raise
            return dict(exc.recipients)

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
        codes = [code for code, _ in exc.recipients.values()]
        return 421 in codes or all(not permanent(code) for code in codes)
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
    """Send the e-mails written by build_emails to every recipient the send log does not list as done.

    `source` is the output folder, the EmailBatch or a list of message records (then give `folder`).
    Recipients the server refuses for now (4xx) get the e-mail in new transactions while that makes
    progress, else on the next run; those refused for good (5xx) are reported and never tried again.
    Failures of the connection, MAIL FROM or DATA (4xx, dropped connections) are tried `attempts` times
    with doubling delays from `backoff` seconds; when the server stays unavailable the run stops. Running
    again sends only to whom the log does not list, never to anyone twice. Raises SendError (with `.report`)
    unless nothing is left to send and no address was refused.
    """
    folder, items = messages_of(source, Path(folder) if folder else None)
    log = SendLog(folder / SEND_LOG)
    report = SendReport(log.path)
    with log.locked():
        history = log.history()
        pending = []
        for item in items:
            logged = history.get(item.message_id, Logged())
            gone = {r: logged.refused[r.lower()] for r in item.recipients if r.lower() in logged.refused}
            if gone:
                report.refused_before[item.message_id] = gone
            left = logged.left(item.recipients)
            if left:
                pending.append((item, left))
            elif logged.everyone or logged.accepted:
                report.already_sent.append(item.message_id)
        Delivery(Connection(settings), log, report, folder, attempts, backoff, sleep).run(pending, progress)
    if not report.complete:
        error = SendError(_incomplete(report, folder))
        error.report = report
        raise error
    return report


@dataclass
class Delivery:
    """One send run: each e-mail tried until every recipient took or refused it, or the server stays unavailable."""

    connection: Connection
    log: SendLog
    report: SendReport
    folder: Path
    attempts: int
    backoff: float
    sleep: Callable[[float], None]

    def run(self, pending: list[tuple[Outgoing, list[str]]], progress: Progress | None) -> None:
        tick = every(progress, "sending e-mails", len(pending))
        try:
            for done, (item, recipients) in enumerate(pending, start=1):
                if not self.deliver(item, list(recipients)):
                    self.report.not_sent = [i.message_id for i, _ in pending[done - 1 :]]
                    return
                tick(done)
        finally:
            self.connection.close()

    def deliver(self, item: Outgoing, todo: list[str]) -> bool:
        """Send one e-mail to the recipients in `todo`; False when the server stays unavailable (the run stops)."""
        entry = {
            "message_id": item.message_id,
            "file": item.file.relative_to(self.folder).as_posix(),
            "kind": item.kind,
            "to": item.recipients,
        }
        data = item.file.read_bytes()
        for attempt in range(1, self.attempts + 1):
            try:
                self.transactions(item, data, todo, entry, attempt)
                return True
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
                self.report.unavailable = f"{self.connection.settings.describe()}: {reply_text(exc)}"
                return False
        return False

    def transactions(self, item: Outgoing, data: bytes, todo: list[str], entry: dict, attempt: int) -> None:
        """Transactions on one connection until every recipient in `todo` took or refused the e-mail.

        Each transaction is logged (fsynced) before the next one, and `todo` shrinks to those refused for
        now, so an exception leaves in it only who has not got the e-mail. Stops when a transaction makes no
        progress: the recipients still refused for now are left for the next run.
        """
        mid = item.message_id
        while todo:
            refused = self.connection.transaction(item.sender, todo, data)
            took = [r for r in todo if r not in refused]
            replies = {who: f"{code} {_text(msg)}" for who, (code, msg) in refused.items()}
            status = "sent" if took else "refused"
            self.log.append({**entry, "status": status, "attempts": attempt, "recipients": took, "refused": replies})
            if took:
                self.report.delivered.setdefault(mid, []).extend(took)
                if mid not in self.report.sent:
                    self.report.sent.append(mid)
            gone = {who: replies[who] for who, (code, _) in refused.items() if permanent(code)}
            if gone:
                self.report.refused.setdefault(mid, {}).update(gone)
            todo[:] = [r for r in todo if r in refused and r not in gone]
            if todo and not took:
                self.report.deferred[mid] = {who: replies[who] for who in todo}
                return
        self.report.deferred.pop(mid, None)


def _incomplete(report: SendReport, folder: Path) -> str:
    parts = [f"{len(report.sent)} e-mail(s) sent now, {len(report.already_sent)} sent before"]
    if report.failed:
        parts.append(
            f"{len(report.failed)} refused by the server as a whole: "
            + "; ".join(f"{mid} {why}" for mid, why in list(report.failed.items())[:5])
        )
    gone = [(who, why) for refusals in report.refused.values() for who, why in refusals.items()]
    if gone:
        parts.append(
            f"{len(gone)} address(es) refused for good, not sent again (correct them in the workbook): "
            + "; ".join(f"{who} {why}" for who, why in gone[:20])
            + (f"; and {len(gone) - 20} more" if len(gone) > 20 else "")
        )
    later = [(who, why) for refusals in report.deferred.values() for who, why in refusals.items()]
    if later:
        parts.append(
            f"{len(later)} address(es) refused for now: "
            + "; ".join(f"{who} {why}" for who, why in later[:5])
            + (f"; and {len(later) - 5} more" if len(later) > 5 else "")
        )
    if report.not_sent:
        why = f" ({report.unavailable})" if report.unavailable else ""
        parts.append(f"{len(report.not_sent)} not sent yet because the server is not available{why}")
    before = sum(map(len, report.refused_before.values()))
    if before:
        parts.append(f"{before} address(es) refused for good in an earlier run (not sent again)")
    if report.failed or later or report.not_sent:
        tail = (
            f". Run the same command again to send the rest: {folder / SEND_LOG} lists who got each e-mail, and "
            "nobody gets one twice."
        )
    else:
        tail = f". Everything else was sent; {folder / SEND_LOG} lists who got each e-mail."
    return ", ".join(parts) + tail


def sent_message_ids(folder: str | Path) -> set[str]:
    """The Message-IDs the send log of an output folder lists as done (every recipient took or refused it)."""
    return SendLog(Path(folder) / SEND_LOG).sent_ids()
