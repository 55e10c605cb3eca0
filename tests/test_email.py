"""kam email: what each e-mail holds, its MIME structure, escaping, leaks, sizes and that nothing is sent."""

from __future__ import annotations

import json
import re
import socket
import zipfile
from datetime import datetime, timezone
from html.parser import HTMLParser
from io import BytesIO

import numpy as np
import pandas as pd
import pytest

from kam_xl.errors import KamError
from kam_xl.mail.batch import INDEX, MANIFEST, build_emails, parse_kinds
from kam_xl.mail.charts import FontError, chart_families, store_chart
from kam_xl.mail.content import weighted_gaps
from kam_xl.mail.mime import Draft, EmailError, address, within_limit
from kam_xl.plan.load import plan_of
from kam_xl.xlsx.filebook import FileBook
from kam_xl.xlsx.package import Package
from tests.support.email_books import (
    HOSTILE_COMMENT,
    HOSTILE_MANAGER,
    HOSTILE_NAME,
    everything_readable,
    generated_book,
    hostile_book,
    read_eml,
    reviewed_book,
)

WHEN = datetime(2026, 11, 27, 9, 30, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def en_book(tmp_path_factory):
    return reviewed_book(tmp_path_factory.mktemp("email-en"), "en", stores=24)


@pytest.fixture(scope="module")
def en_batch(en_book, tmp_path_factory):
    return build_emails(en_book, tmp_path_factory.mktemp("out-en"), now=WHEN)


@pytest.fixture(scope="module")
def zh_batch(tmp_path_factory):
    book = reviewed_book(tmp_path_factory.mktemp("email-zh"), "zh", stores=16)
    return build_emails(book, tmp_path_factory.mktemp("out-zh"), now=WHEN)


@pytest.fixture(scope="module")
def hostile_batch(tmp_path_factory):
    book = hostile_book(tmp_path_factory.mktemp("hostile"))
    return build_emails(book, tmp_path_factory.mktemp("out-hostile"), now=WHEN)


def messages(batch):
    return [(record, read_eml(batch.folder / record.file)) for record in batch]


# ---------------------------------------------------------------------------
# What is written
# ---------------------------------------------------------------------------


def test_one_email_per_sr_store_manager_and_management(en_book, en_batch):
    plan = plan_of(FileBook(en_book))
    kinds = [m.kind for m in en_batch]
    assert kinds.count("hq") == 1
    assert kinds.count("sr") == len({s.sr_id for s in plan.active_stores})
    assert kinds.count("store") == len(plan.active_stores)
    assert not en_batch.skipped
    for record in en_batch:
        assert (en_batch.folder / record.file).is_file()
        assert (en_batch.folder / record.preview).is_file()
    manifest = json.loads((en_batch.folder / MANIFEST).read_text(encoding="utf-8"))
    assert [m["message_id"] for m in manifest["messages"]] == [m.message_id for m in en_batch]


def test_recipients_sender_and_reply_to_come_from_the_plan(en_book, en_batch):
    plan = plan_of(FileBook(en_book))
    acc = plan.account
    stores = {s.store_id: s for s in plan.active_stores}
    for record, msg in messages(en_batch):
        assert msg["From"].addresses[0].addr_spec == acc.kam_email
        assert msg["From"].addresses[0].display_name == acc.kam_name
        assert msg["Reply-To"].addresses[0].addr_spec == acc.kam_email
        to = [a.addr_spec for a in msg["To"].addresses]
        if record.kind == "hq":
            assert to == list(acc.management_emails)
        elif record.kind == "sr":
            assert to == [stores[record.stores[0]].sr_email]
            assert {stores[s].sr_id for s in record.stores} == {record.key}
        else:
            store = stores[record.key]
            assert to == [store.manager_email]
            assert [a.addr_spec for a in msg["Cc"].addresses] == [store.sr_email]


def test_every_eml_parses_into_the_declared_parts(en_batch, zh_batch):
    for batch in (en_batch, zh_batch):
        for record, msg in messages(batch):
            assert not msg.defects and all(not part.defects for part in msg.walk())
            for header in ("Date", "Message-ID", "MIME-Version", "From", "To", "Subject"):
                assert msg[header], (record.file, header)
            assert msg["Message-ID"] == record.message_id
            assert msg.is_multipart()
            _check_structure(record, msg)
            assert record.size == len((batch.folder / record.file).read_bytes()) <= 1_000_000


def _check_structure(record, msg) -> None:
    plain, html = msg.get_body(("plain",)), msg.get_body(("html",))
    assert plain is not None and html is not None
    alternative = msg if msg.get_content_type() == "multipart/alternative" else msg.get_payload()[0]
    assert alternative.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in alternative.get_payload()][0] == "text/plain"
    attachments = list(msg.iter_attachments())
    images = [p for p in msg.walk() if p.get_content_maintype() == "image"]
    if record.kind == "store":
        assert msg.get_content_type() == "multipart/alternative" and not images and not attachments
        return
    related = alternative.get_payload()[1]
    assert related.get_content_type() == "multipart/related"
    assert related.get_payload()[0].get_content_type() == "text/html"
    assert images, record.file
    for image in images:
        cid = image["Content-ID"].strip("<>")
        assert f"cid:{cid}" in html.get_content()
        assert image.get_payload(decode=True).startswith(b"\x89PNG")
    if record.kind == "sr":
        assert msg.get_content_type() == "multipart/mixed"
        (attachment,) = attachments
        assert attachment.get_filename() == f"{record.key}.xlsx"
        assert zipfile.ZipFile(BytesIO(attachment.get_payload(decode=True))).testzip() is None
    else:  # management: the one-page review as PDF, to forward
        (attachment,) = attachments
        assert attachment.get_content_type() == "application/pdf" and attachment.get_filename().endswith(".pdf")
        assert attachment.get_payload(decode=True).startswith(b"%PDF")


def test_index_lists_every_message(en_batch):
    page = (en_batch.folder / INDEX).read_text(encoding="utf-8")
    for record in en_batch:
        assert f'href="{record.file}"' in page
        assert f'href="{record.preview}"' in page
        assert _html_text(record.subject) in _html_text(page)


def test_chinese_subjects_names_and_language(zh_batch):
    for record, msg in messages(zh_batch):
        assert msg["Subject"] == record.subject
        assert re.search(r"[\u4e00-\u9fff]", record.subject)
        assert msg["Content-Language"] == "zh-CN"
        raw = (zh_batch.folder / record.file).read_bytes()
        assert raw.isascii()  # every header and body encoded for SMTP
        assert all(len(line) <= 998 for line in raw.split(b"\r\n"))
        if record.kind == "sr":
            assert re.search(r"[\u4e00-\u9fff]", msg["To"].addresses[0].display_name)
            assert "您的门店" in msg.get_body(("plain",)).get_content()


# ---------------------------------------------------------------------------
# Each e-mail holds only its own stores
# ---------------------------------------------------------------------------


def test_no_email_holds_another_scope_s_store(en_book, en_batch):
    plan = plan_of(FileBook(en_book))
    stores = {s.store_id: s for s in plan.active_stores}
    for record, msg in messages(en_batch):
        if record.kind == "hq":
            continue
        text = everything_readable(msg)
        own = set(record.stores)
        own_names = {stores[s].name for s in own}
        assert all(name in text for name in own_names)  # the scan sees what the e-mail shows
        for store_id, store in stores.items():
            if store_id in own:
                continue
            assert not re.search(rf"\b{store_id}\b", text), (record.file, store_id)
            if not any(store.name in name for name in own_names):
                assert store.name not in text, (record.file, store.name)


def test_sr_attachment_holds_exactly_their_store_tabs(en_batch):
    for record, msg in messages(en_batch):
        if record.kind != "sr":
            continue
        (attachment,) = msg.iter_attachments()
        package = Package.open(attachment.get_payload(decode=True))
        ids = {n for n in package.sheet_names() if re.match(r"HX\d+", n)}
        assert {n.split()[0] for n in ids} == set(record.stores)


# ---------------------------------------------------------------------------
# Escaping
# ---------------------------------------------------------------------------


class _Collect(HTMLParser):
    def __init__(self):
        super().__init__()
        self.text, self.tags = [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def _html_text(html: str) -> str:
    parser = _Collect()
    parser.feed(html)
    return re.sub(r"\s+", " ", "".join(parser.text))


def test_hostile_names_and_comments_render_as_text(hostile_batch):
    seen = set()
    for record, msg in messages(hostile_batch):
        if "HX0001" not in record.stores or record.kind == "hq":
            continue
        html = msg.get_body(("html",)).get_content()
        parser = _Collect()
        parser.feed(html)
        tags = [tag for tag, _ in parser.tags]
        assert "script" not in tags and "b" not in tags
        assert all(
            attrs["src"].startswith("cid:") and "onerror" not in attrs for tag, attrs in parser.tags if tag == "img"
        )
        assert "<script>" not in html and "&lt;script&gt;" in html
        text = _html_text(html)
        assert HOSTILE_NAME in text
        assert HOSTILE_NAME in msg.get_body(("plain",)).get_content()
        if record.kind == "store":
            assert HOSTILE_COMMENT in text
            assert msg["Subject"].startswith(HOSTILE_NAME)
            assert msg["To"].addresses[0].display_name == HOSTILE_MANAGER
        seen.add(record.kind)
    assert seen == {"sr", "store"}


def test_templates_escape_what_the_workbook_says():
    with pytest.raises(EmailError):
        address("x", "not an address")
    assert address('Li "Boss"', "li@example.com").addr_spec == "li@example.com"


# ---------------------------------------------------------------------------
# Identity, scope choice, limits, no network
# ---------------------------------------------------------------------------


def test_message_ids_are_stable_and_unique(en_book, en_batch, tmp_path):
    again = build_emails(en_book, tmp_path / "again", to="sr,hq")
    ids = {m.key: m.message_id for m in en_batch if m.kind in ("sr", "hq")}
    assert {m.key: m.message_id for m in again} == ids
    all_ids = [m.message_id for m in en_batch]
    assert len(set(all_ids)) == len(all_ids)


def test_to_chooses_the_kinds(en_book, tmp_path):
    batch = build_emails(en_book, tmp_path, to="hq")
    assert [m.kind for m in batch] == ["hq"]
    assert list((tmp_path / "messages").glob("*.eml")) == [tmp_path / batch[0].file]
    assert parse_kinds("store, SR") == ("sr", "store")
    with pytest.raises(KamError, match="--to"):
        parse_kinds("sr,boss")


def test_rebuilding_removes_the_previous_messages_but_keeps_the_send_log(en_book, tmp_path):
    build_emails(en_book, tmp_path, to="sr")
    (tmp_path / "send-log.jsonl").write_text('{"message_id": "<x>", "status": "sent"}\n', encoding="utf-8")
    batch = build_emails(en_book, tmp_path, to="hq")
    assert sorted(p.name for p in (tmp_path / "messages").iterdir()) == ["hq-account.eml"]
    assert len(batch) == 1 and (tmp_path / "send-log.jsonl").exists()


def test_before_any_entry_the_emails_say_there_is_no_data_yet(tmp_path):
    book = generated_book(tmp_path / "book", "en", stores=24)
    batch = build_emails(book, tmp_path / "out", to="sr,hq")
    for record, msg in messages(batch):
        assert record.subject.endswith("no data yet")
        assert not [p for p in msg.walk() if p.get_content_maintype() == "image"]
        if record.kind == "sr":
            assert "No weekly entries yet" in msg.get_body(("plain",)).get_content()
            assert [a.get_filename() for a in msg.iter_attachments()] == [f"{record.key}.xlsx"]


def test_building_never_opens_a_connection(en_book, tmp_path, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("network used while building e-mails")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    assert len(build_emails(en_book, tmp_path, to="hq,sr")) > 1


def test_missing_addresses_are_listed_not_guessed(en_book, tmp_path):
    book = tmp_path / en_book.name
    book.write_bytes(en_book.read_bytes())
    grid = FileBook(book).grid("Stores")
    row = next(r for r, values in enumerate(grid, start=1) if values and values[0] == "HX0002")
    package = Package.open(book)
    package.set_cells("Stores", {f"L{row}": None})
    package.save(book, backup=False)
    batch = build_emails(book, tmp_path / "out", to="store")
    assert [(s.kind, s.key) for s in batch.skipped] == [("store", "HX0002")]
    assert "HX0002" not in {m.key for m in batch}
    assert "HX0002" in (batch.folder / INDEX).read_text(encoding="utf-8")


def test_an_email_over_the_limit_shrinks_its_chart_then_refuses(en_book):
    image = store_chart(["HX0001 A", "HX0002 B"], [0.8, 1.1], ["red", "green"], "title", "alt", "en")
    image.cid = "c@kam"
    context = {"lang": "en"}
    draft = Draft("hq", "account", [address("M", "m@example.com")], "s", context, charts=[image])
    sender = address("K", "k@example.com")
    big = len(image.png)
    with pytest.raises(EmailError, match="over the"):
        within_limit(_fake_render(draft), sender, "<a@b>", WHEN, limit=1000)
    assert len(image.png) < big


def _fake_render(draft: Draft) -> Draft:
    """A draft whose templates are the management ones with just enough data (no workbook needed)."""
    draft.kind = "hq"
    draft.context = _minimal_hq_context()
    draft.context["chart"] = draft.charts[0]
    return draft


def _minimal_hq_context() -> dict:
    from kam_xl.mail.content import Words

    summary = {
        key: None
        for key in (
            "score",
            "score_rag",
            "quadrant",
            "units_forecast_vs_target",
            "retailer_gain",
            "investment",
            "roi",
            "result_attainment",
            "execution_score",
            "share",
            "competitor_share",
            "share_change",
            "incremental_margin",
            "programs_done",
            "programs_applicable",
            "competitor",
        )
    }
    summary.update(stores=1, stores_reporting=0, stores_without_data=1)
    return {
        "lang": "en",
        "t": Words("en"),
        "account": "A",
        "supplier": "S",
        "currency": "CNY",
        "week": "W1",
        "kam_name": "K",
        "kam_email": "k@example.com",
        "s": summary,
        "kpis": [],
        "units": None,
        "srs": [],
        "regions": [],
        "problems": [],
        "problems_total": 0,
        "flag_counts": [],
        "relationship": "–",
        "problems_sheet": "P",
        "preheader": "",
        "kind": "hq",
        "headline": ["H"],
        "since": [],
        "quadrant_rows": [],
        "program_rows": [],
        "problem_groups": [],
        "next_period": None,
        "roi_rag": None,
        "voice": {"competitors": [], "feedback": []},
        "voice_sheet": "V",
        "needs": [],
    }


# ---------------------------------------------------------------------------
# Top actions and fonts
# ---------------------------------------------------------------------------


def test_top_actions_are_the_largest_weighted_gaps(en_book):
    plan = plan_of(FileBook(en_book))
    kpis = plan.kpis
    stores = pd.DataFrame({f"{k.id}_attainment": [1.0] * 3 for k in kpis}, index=["S1", "S2", "S3"])
    heavy = max(kpis, key=lambda k: k.weight)
    light = min(kpis, key=lambda k: k.weight)
    stores.loc["S2", f"{light.id}_attainment"] = 0.5
    stores.loc["S3", f"{heavy.id}_attainment"] = 0.5
    stores.loc["S1", f"{heavy.id}_attainment"] = np.nan
    gaps = weighted_gaps(plan, stores)
    assert list(gaps["store_id"]) == ["S3", "S2"]
    total = sum(k.weight for k in kpis)
    assert gaps.iloc[0]["points"] == pytest.approx(heavy.weight / total * 50)


def test_chinese_charts_need_a_cjk_font(monkeypatch):
    import kam_xl.mail.charts as charts

    assert "CJK" in chart_families(["门店"], "zh")[0] or chart_families(["门店"], "zh")[0] in charts.CJK_FAMILIES
    assert chart_families(["Store"], "en") == [charts.LATIN_FAMILY]
    monkeypatch.setattr(charts, "cjk_family", lambda: None)
    with pytest.raises(FontError, match="fonts-noto-cjk"):
        chart_families(["Store"], "zh")
    with pytest.raises(FontError):
        chart_families(["门店 in an English book"], "en")
