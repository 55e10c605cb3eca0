"""kam email --send against a real SMTP server (aiosmtpd on 127.0.0.1): delivery, retries, resuming, secrets."""

from __future__ import annotations

import json
import socket
from collections import Counter
from email import message_from_bytes
from email.policy import default

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from kam_xl.cli import main
from kam_xl.errors import SendError
from kam_xl.mail.batch import build_emails, email
from kam_xl.mail.smtp import (
    SEND_LOG,
    SendLog,
    SmtpSettings,
    send_emails,
    sent_message_ids,
    temporary,
)
from tests.support.email_books import edited_book, reviewed_book

PASSWORD = "s3cret-P@ss w0rd!#%"


class Recorder:
    """An SMTP handler that keeps every message; after `healthy` messages it answers `failure` or hangs up."""

    def __init__(
        self,
        healthy: int | None = None,
        failure: str = "451 4.3.0 try again later",
        refuse: str | None = None,
    ):
        self.received: list[dict] = []
        self.healthy, self.failure, self.refuse = healthy, failure, refuse

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refuse and address == self.refuse:
            return "550 5.1.1 no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.healthy is not None and len(self.received) >= self.healthy:
            if self.failure == "drop":
                server.transport.abort()
                return "421 closing"
            return self.failure
        message = message_from_bytes(envelope.content, policy=default)
        self.received.append(
            {
                "from": envelope.mail_from,
                "to": list(envelope.rcpt_tos),
                "message_id": message["Message-ID"],
                "message": message,
            }
        )
        return "250 2.0.0 OK"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_server():
    """smtp_server(handler, **controller options) -> SmtpSettings of a running server (stopped after the test)."""
    running = []

    def start(handler, **options):
        controller = Controller(handler, hostname="127.0.0.1", port=_free_port(), **options)
        controller.start()
        running.append(controller)
        return SmtpSettings("127.0.0.1", controller.port, timeout=10)

    yield start
    for controller in running:
        controller.stop()


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    """(output folder, batch) of a small demo account's e-mails."""
    book = reviewed_book(tmp_path_factory.mktemp("smtp-book"), "en", stores=12)
    folder = tmp_path_factory.mktemp("smtp-out")
    batch = build_emails(book, folder)
    batch.book = book
    return folder, batch


@pytest.fixture
def fresh(written, tmp_path):
    """A copy of the written e-mails in a folder with no send log yet."""
    folder, batch = written
    copy = tmp_path / "out"
    for path in folder.rglob("*"):
        if path.is_file():
            target = copy / path.relative_to(folder)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(path.read_bytes())
    return copy, batch


def _expected(batch) -> dict[str, set[str]]:
    return {m.message_id: {_addr(a) for a in [*m.to, *m.cc]} for m in batch}


def _addr(text: str) -> str:
    return text.rsplit("<", 1)[-1].rstrip(">") if "<" in text else text


def test_the_server_receives_exactly_the_written_messages(smtp_server, fresh):
    folder, batch = fresh
    handler = Recorder()
    report = send_emails(folder, smtp_server(handler), backoff=0)
    got = {r["message_id"]: set(r["to"]) for r in handler.received}
    assert got == _expected(batch)
    assert len(handler.received) == len(batch) and report.complete
    by_id = {r["message_id"]: r for r in handler.received}
    for record in batch:
        received = by_id[record.message_id]
        assert received["from"] == record.sender.rsplit("<", 1)[-1].rstrip(">")
        names = [p.get_filename() for p in received["message"].iter_attachments()]
        assert names == record.attachments
        assert received["message"]["Subject"] == record.subject
    assert sent_message_ids(folder) == set(_expected(batch))
    again = send_emails(folder, smtp_server(Recorder()), backoff=0)
    assert again.sent == [] and len(again.already_sent) == len(batch)


@pytest.mark.parametrize("failure", ["451 4.3.0 mailbox busy", "drop"])
def test_a_failing_server_then_a_rerun_delivers_each_message_once(smtp_server, fresh, failure):
    folder, batch = fresh
    first = Recorder(healthy=3, failure=failure)
    with pytest.raises(SendError, match="Run the same command again") as caught:
        send_emails(folder, smtp_server(first), attempts=3, backoff=0)
    report = caught.value.report
    assert len(report.sent) == 3 and len(report.not_sent) == len(batch) - 3
    second = Recorder()
    send_emails(folder, smtp_server(second), backoff=0)
    delivered = [r["message_id"] for r in first.received + second.received]
    assert sorted(delivered) == sorted(m.message_id for m in batch)
    statuses = [e["status"] for e in SendLog(folder / SEND_LOG).entries()]
    assert statuses.count("sent") == len(batch) and "deferred" in statuses


def test_retries_with_backoff_until_the_server_recovers(smtp_server, fresh):
    folder, batch = fresh

    class Flaky(Recorder):
        failures = 2

        async def handle_DATA(self, server, session, envelope):
            if self.failures:
                self.failures -= 1
                return "452 4.3.1 insufficient storage"
            return await super().handle_DATA(server, session, envelope)

    handler, waits = Flaky(), []
    report = send_emails(folder, smtp_server(handler), backoff=0.5, sleep=waits.append)
    assert report.complete and len(handler.received) == len(batch)
    assert waits == [0.5, 1.0]
    first = SendLog(folder / SEND_LOG).entries()[0]
    assert first["status"] == "sent" and first["attempts"] == 3


def test_a_permanent_refusal_is_logged_and_the_others_still_go(smtp_server, fresh):
    folder, batch = fresh
    store = next(m for m in batch if m.kind == "store")
    sr = next(m for m in batch if m.kind == "sr" and _addr(m.to[0]) != _addr(store.cc[0]))
    manager, rep = _addr(store.to[0]), _addr(sr.to[0])

    class Refusing(Recorder):
        async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
            if address in (manager, rep):
                return "550 5.1.1 no such user"
            return await super().handle_RCPT(server, session, envelope, address, rcpt_options)

    first = Refusing()
    with pytest.raises(SendError, match="refused") as caught:
        send_emails(folder, smtp_server(first), backoff=0)
    report = caught.value.report
    refusal = "550 5.1.1 no such user"
    assert report.refused[sr.message_id] == {rep: refusal}  # its only recipient refused: nobody got it
    assert report.refused[store.message_id] == {manager: refusal}  # the SR on Cc got it
    assert {who for refused in report.refused.values() for who in refused} == {manager, rep}
    assert not report.failed and not report.deferred and f"{rep} {refusal}" in str(caught.value)
    assert len(first.received) == len(batch) - 1
    second = Recorder()
    again = send_emails(folder, smtp_server(second), backoff=0)  # a 5xx is for good: never tried again
    assert second.received == [] and again.sent == [] and again.refused_before == report.refused


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_login_uses_the_password_from_the_environment_and_never_writes_it(smtp_server, fresh, capsys):
    folder, batch = fresh
    seen = []

    def authenticator(server, session, envelope, mechanism, auth_data):
        assert isinstance(auth_data, LoginPassword)
        seen.append((auth_data.login.decode(), auth_data.password.decode()))
        return AuthResult(success=auth_data.password.decode() == PASSWORD, handled=False)

    base = smtp_server(Recorder(), authenticator=authenticator, auth_required=True, auth_require_tls=False)
    env = {
        "KAM_SMTP_HOST": "127.0.0.1",
        "KAM_SMTP_PORT": str(base.port),
        "KAM_SMTP_USER": "kam",
        "KAM_SMTP_PASSWORD": PASSWORD,
    }
    settings = SmtpSettings.from_env(environ=env)
    assert PASSWORD not in repr(settings) and PASSWORD not in settings.describe()
    send_emails(folder, settings, backoff=0)
    assert seen[0] == ("kam", PASSWORD)
    for path in folder.rglob("*"):
        if path.is_file():
            assert PASSWORD.encode() not in path.read_bytes(), path
    out = capsys.readouterr()
    assert PASSWORD not in out.out + out.err
    wrong = SmtpSettings.from_env(environ={**env, "KAM_SMTP_PASSWORD": "wrong"})
    (folder / SEND_LOG).unlink()
    with pytest.raises(SendError, match="refused the login") as caught:
        send_emails(folder, wrong, backoff=0)
    assert "wrong" not in str(caught.value)


def test_settings_come_from_options_or_environment():
    env = {
        "KAM_SMTP_HOST": "mail.example.com",
        "KAM_SMTP_PORT": "2525",
        "KAM_SMTP_USER": "u",
        "KAM_SMTP_PASSWORD": "p",
    }
    settings = SmtpSettings.from_env(starttls=True, environ=env)
    assert (settings.host, settings.port, settings.security, settings.user) == (
        "mail.example.com",
        2525,
        "starttls",
        "u",
    )
    assert SmtpSettings.from_env(host="h", ssl=True, environ={}).port == 465
    with pytest.raises(SendError, match="unencrypted"):
        SmtpSettings.from_env(environ=env)
    with pytest.raises(SendError, match="KAM_SMTP_PASSWORD"):
        SmtpSettings.from_env(host="h", user="u", starttls=True, environ={})
    with pytest.raises(SendError, match="--smtp-host"):
        SmtpSettings.from_env(environ={})
    with pytest.raises(SendError, match="one of"):
        SmtpSettings.from_env(host="h", starttls=True, ssl=True, environ={})
    with pytest.raises(SendError, match="ASCII"):
        SmtpSettings.from_env(host="h", user="u", starttls=True, environ={"KAM_SMTP_PASSWORD": "pässwort"})
    for port in ("0", "99999", "-25"):  # a port that cannot exist is said at once, not as "server unavailable"
        with pytest.raises(SendError, match="1 to 65535"):
            SmtpSettings.from_env(host="h", environ={"KAM_SMTP_PORT": port})


def test_nothing_to_send_without_written_emails(tmp_path):
    with pytest.raises(SendError, match="write the e-mails first"):
        send_emails(tmp_path, SmtpSettings("127.0.0.1", 25))


def test_a_torn_log_line_is_ignored_and_a_crash_leaves_the_rest_to_send(tmp_path):
    log = SendLog(tmp_path / SEND_LOG)
    log.append({"message_id": "<a@x>", "status": "sent"})
    with open(log.path, "ab") as handle:
        handle.write(b'{"message_id": "<b@x>", "sta')
    log.append({"message_id": "<c@x>", "status": "sent"})
    assert log.sent_ids() == {"<a@x>", "<c@x>"}
    lines = log.path.read_text(encoding="utf-8").splitlines()
    assert json.loads(lines[-1])["message_id"] == "<c@x>"


def test_unreachable_server_is_retried_then_reported(fresh):
    folder, batch = fresh
    settings = SmtpSettings("127.0.0.1", _free_port(), timeout=2)
    waits = []
    with pytest.raises(SendError, match="not sent yet") as caught:
        send_emails(folder, settings, attempts=2, backoff=0.1, sleep=waits.append)
    assert caught.value.report.not_sent == [m.message_id for m in batch] and waits == [0.1]
    said = str(caught.value)  # why: the server and the connection problem, so that the person can fix it
    assert f"127.0.0.1:{settings.port}" in said and "Connection refused" in said
    assert temporary(ConnectionRefusedError()) and not temporary(ValueError())


def test_the_email_command_writes_then_sends_and_a_second_run_sends_nothing(smtp_server, written, tmp_path):
    _, batch = written
    handler = Recorder()
    settings = smtp_server(handler)
    first = email(batch.book, tmp_path, to="hq,sr", send=settings)
    assert len(handler.received) == len(first) == 1 + sum(m.kind == "sr" for m in batch)
    second = email(batch.book, tmp_path, to="hq,sr", send=settings)
    assert len(handler.received) == len(first) and len(second.send_report.already_sent) == len(first)
    assert second.as_dict()["send"]["complete"]


# ---------------------------------------------------------------------------
# Per-recipient delivery (RFC 5321): 452 too many recipients, 550 no such user, 4xx for everyone
# ---------------------------------------------------------------------------

GONE = "gone@example.com"
MANAGEMENT = [f"manager{number:04d}@example.com" for number in range(999)] + [GONE]


class Limited(Recorder):
    """452 to every RCPT after `per_transaction` in a transaction (and after `per_session` on a connection);
    550 for GONE; or 451 to every RCPT while `busy`."""

    def __init__(self, per_transaction: int = 100, per_session: int | None = None, busy: bool = False):
        super().__init__()
        self.per_transaction, self.per_session, self.busy = per_transaction, per_session, busy
        self.taken: Counter = Counter()  # RCPTs accepted per connection

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.busy:
            return "451 4.3.2 system not accepting network messages"
        if address == GONE:
            return "550 5.1.1 no such user"
        if len(envelope.rcpt_tos) >= self.per_transaction:
            return "452 4.5.3 too many recipients"
        if self.per_session is not None and self.taken[session.peer] >= self.per_session:
            return "452 4.5.3 too many recipients for this session"
        self.taken[session.peer] += 1
        envelope.rcpt_tos.append(address)
        return "250 OK"


def _per_address(*handlers: Recorder) -> Counter:
    """How many times each address got a message (any message), counted on the server side."""
    return Counter(address for handler in handlers for received in handler.received for address in received["to"])


@pytest.fixture(scope="module")
def management_book(tmp_path_factory):
    """A workbook whose Account sheet lists 1,000 management e-mails, GONE the last."""
    return edited_book(tmp_path_factory.mktemp("management"), account={"B12": ", ".join(MANAGEMENT)}, weeks=2)


def _kam_email(book, out, settings, *more) -> int:
    return main(
        ["email", str(book), "--out", str(out), "--to", "hq", "--send", "--smtp-host", "127.0.0.1"]
        + ["--smtp-port", str(settings.port), *more]
    )


@pytest.fixture
def no_smtp_env(monkeypatch):
    for name in ("KAM_SMTP_HOST", "KAM_SMTP_PORT", "KAM_SMTP_USER", "KAM_SMTP_PASSWORD"):
        monkeypatch.delenv(name, raising=False)


def test_1000_managers_on_a_server_taking_100_per_transaction_each_get_it_once(
    smtp_server, management_book, tmp_path, capsys, no_smtp_env
):
    handler = Limited(per_transaction=100)
    settings = smtp_server(handler)
    assert _kam_email(management_book, tmp_path, settings) == 2  # GONE was refused
    err = capsys.readouterr().err
    assert f"{GONE} 550 5.1.1 no such user" in err and "1 address(es) refused for good" in err
    got = _per_address(handler)
    assert got == Counter({address: 1 for address in MANAGEMENT[:-1]})
    assert len(handler.received) == 10 and {r["message_id"] for r in handler.received} == {
        json.loads((tmp_path / "messages.json").read_text(encoding="utf-8"))["messages"][0]["message_id"]
    }
    entries = SendLog(tmp_path / SEND_LOG).entries()
    assert [len(e["recipients"]) for e in entries] == [100] * 9 + [99]
    assert sum((e["recipients"] for e in entries), []) == MANAGEMENT[:-1]
    assert entries[0]["refused"][GONE] == "550 5.1.1 no such user"
    assert entries[0]["refused"][MANAGEMENT[500]] == "452 4.5.3 too many recipients"
    again = Limited(per_transaction=100)
    assert _kam_email(management_book, tmp_path, smtp_server(again)) == 0  # nothing left to send
    out = capsys.readouterr().out
    assert again.received == [] and "sent 0, sent before 1" in out
    assert f"{GONE}: 550 5.1.1 no such user" in out and "refused in an earlier run" in out


def test_a_per_connection_quota_leaves_the_rest_for_the_next_runs_and_nobody_gets_it_twice(
    smtp_server, management_book, tmp_path, no_smtp_env
):
    handlers, codes = [], []
    while len(handlers) < 6:
        handlers.append(Limited(per_transaction=100, per_session=300))
        codes.append(_kam_email(management_book, tmp_path, smtp_server(handlers[-1])))
        if codes[-1] == 0:
            break
    assert [len(_per_address(h)) for h in handlers] == [300, 300, 300, 99]
    assert codes == [2, 2, 2, 0]  # runs 1-3: 452 for the rest; run 4: the last 99 (GONE is not tried again)
    assert _per_address(*handlers) == Counter({address: 1 for address in MANAGEMENT[:-1]})
    report = SendLog(tmp_path / SEND_LOG).history()
    (logged,) = report.values()
    assert not logged.left(MANAGEMENT) and logged.refused == {GONE: "550 5.1.1 no such user"}


def test_a_server_refusing_everyone_for_now_sends_nothing_then_the_next_run_delivers_each_once(smtp_server, fresh):
    folder, batch = fresh
    busy = Limited(busy=True)
    with pytest.raises(SendError, match="Run the same command again") as caught:
        send_emails(folder, smtp_server(busy), backoff=0)
    report = caught.value.report
    assert busy.received == [] and report.sent == [] and not report.refused
    assert {mid: set(refused) for mid, refused in report.deferred.items()} == _expected(batch)
    assert "451 4.3.2" in str(caught.value)
    healthy = Recorder()
    assert send_emails(folder, smtp_server(healthy), backoff=0).complete
    assert {r["message_id"]: set(r["to"]) for r in healthy.received} == _expected(batch)
    assert len(healthy.received) == len(batch)
    third = Recorder()
    assert send_emails(folder, smtp_server(third), backoff=0).sent == [] and third.received == []


def test_a_connection_lost_between_transactions_never_sends_twice(smtp_server, management_book, tmp_path):
    batch = build_emails(management_book, tmp_path, to="hq")

    class DropsOnce(Limited):
        dropped = False

        async def handle_DATA(self, server, session, envelope):
            if len(self.received) == 3 and not self.dropped:  # 300 got it; the 4th transaction is cut off
                self.dropped = True
                server.transport.abort()
                return "421 closing"
            return await super().handle_DATA(server, session, envelope)

    handler, waits = DropsOnce(per_transaction=100), []
    with pytest.raises(SendError, match="refused for good"):
        send_emails(batch, smtp_server(handler), backoff=0.25, sleep=waits.append)
    assert waits == [0.25] and handler.dropped
    assert _per_address(handler) == Counter({address: 1 for address in MANAGEMENT[:-1]})


def test_send_log_entries_of_an_older_kam_still_count(smtp_server, fresh):
    folder, batch = fresh
    sent_before, failed_before = batch[0], batch[1]
    log = SendLog(folder / SEND_LOG)
    log.append({"message_id": sent_before.message_id, "status": "sent", "attempts": 1, "refused": {}})
    log.append({"message_id": failed_before.message_id, "status": "failed", "reply": "554 no"})
    handler = Recorder()
    report = send_emails(folder, smtp_server(handler), backoff=0)
    assert report.already_sent == [sent_before.message_id]  # an entry without recipients: sent to all
    assert sorted(r["message_id"] for r in handler.received) == sorted(m.message_id for m in batch[1:])
    assert _per_address(handler) + Counter(_addr(a) for a in [*sent_before.to, *sent_before.cc]) == Counter(
        _addr(a) for m in batch for a in [*m.to, *m.cc]
    )
