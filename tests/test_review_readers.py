"""What each reader is told, on the demo: store managers never see a negative amount as their gain and see every
ended program's final status; each SR sees every rejected entry of theirs (cell, what was typed, why) and finds it
in place in the refreshed workbook; management gets a headline, the change since the previous review, per-program
ROI and the problems grouped by kind with money at stake."""

from __future__ import annotations

import email
import re
from email import policy
from pathlib import Path

import pytest

from kam_xl.cli import main
from kam_xl.execution.log import read_log
from kam_xl.plan.load import load_plan
from kam_xl.xlsx.filebook import FileBook
from kam_xl.xlsx.read import cell_at
from kam_xl.xlsx.spec import split_ref
from tests.support.language import HALF_COLON, SPACED, english_words

NEGATIVE = re.compile(r"CNY\s*[-−]\s*\d")
FINAL = {"Done", "Dropped", "Ended, not done"}


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    from kam_xl.simulation.run import demo

    out = tmp_path_factory.mktemp("readers") / "demo"
    return out, demo(out, stores=60)


@pytest.fixture(scope="module")
def demo(demo_run) -> Path:
    return demo_run[0]


def test_the_demo_reconciles(demo_run):
    facts = dict(demo_run[1].facts)
    typed = facts["SR entries typed (9 weeks, a few mistakes on purpose)"]
    collected, rejected = facts["SR entries collected"], facts["SR entries rejected (see the collect log)"]
    assert rejected and typed == collected + rejected
    problems = facts["problems flagged"]  # the console counts problems and names the opportunities, as the e-mail
    count, opportunities = re.match(r"(\d+) \(and (\d+) opportunities\)", problems).groups()
    (message,) = messages(demo_run[0], "hq").values()
    text = text_of(message)
    assert f"All {int(count) + int(opportunities)} problems and opportunities" in text


def messages(folder: Path, prefix: str) -> dict[str, email.message.EmailMessage]:
    return {
        path.stem: email.message_from_bytes(path.read_bytes(), policy=policy.default)
        for path in sorted((folder / "emails" / "messages").glob(f"{prefix}-*.eml"))
    }


def text_of(message) -> str:
    return message.get_body(("plain",)).get_content()


def section(text: str, title: str) -> str:
    return text.split(f"== {title} ==", 1)[1].split("\n== ", 1)[0]


def test_no_store_manager_is_told_a_negative_amount_is_their_gain(demo):
    stores = messages(demo, "store")
    leads = {key: section(text_of(m), "What the plan brings your store") for key, m in stores.items()}
    assert leads and not [key for key, lead in leads.items() if NEGATIVE.search(lead)]
    gains = [key for key, lead in leads.items() if "extra margin" in lead]
    not_yet = [key for key, lead in leads.items() if "not above their usual level yet" in lead]
    assert gains and not_yet  # the demo has both kinds of store
    for message in stores.values():  # and every store is told what we need this week and what comes next
        text = text_of(message)
        assert "== What we need from you this week ==" in text and "== What comes next ==" in text


def test_every_program_past_its_end_shows_its_final_status(demo):
    plan = load_plan(demo / "account.xlsx")
    summary = FileBook(demo / "account.xlsx")  # the review week is on the scorecards' stamp
    stamp = cell_at(summary.grid("Store scorecard"), 2, 1)
    week_id = stamp.rsplit("; ", 1)[1].rstrip(")")
    as_of = next(w for w in plan.weeks if w.id == week_id)
    ended = {p.name for p in plan.programs if p.end < as_of.end}
    assert ended
    checked = 0
    for message in messages(demo, "store").values():
        for line in section(text_of(message), "What the plan brings your store").splitlines():
            match = re.match(r"\* (.+) \(.+\) · Status: (.+)$", line)
            if match and match.group(1) in ended:
                assert match.group(2) in FINAL, line
                checked += 1
    assert checked


def attachment_book(message, folder: Path) -> FileBook:
    part = next(p for p in message.iter_attachments() if p.get_filename().endswith(".xlsx"))
    path = folder / part.get_filename()
    path.write_bytes(part.get_content())
    return FileBook(path)


def test_every_rejected_entry_reaches_its_sr_and_is_marked_in_the_refreshed_workbook(demo, tmp_path):
    book = FileBook(demo / "account.xlsx")
    rejected = [e for e in read_log(book, "en") if e.what == "rejected"]
    assert rejected  # the demo types a few mistakes on purpose
    srs = messages(demo, "sr")
    for entry in rejected:
        message = srs[f"sr-{entry.sr}"]
        text = section(text_of(message), "Entries we could not use")
        line = next(line for line in text.splitlines() if f"!{entry.cell} " in line)
        assert f"You typed: {entry.new}" in line and f"Why: {entry.reason}" in line and "Type instead: " in line
        tab = line[2:].split("!")[0]
        refreshed = attachment_book(message, tmp_path)
        row, col = split_ref(entry.cell)
        assert str(cell_at(refreshed.grid(tab), row, col)) == entry.new


def test_the_sr_is_addressed_in_the_second_person(demo):
    for message in messages(demo, "sr").values():
        assert "Ask the SR" not in text_of(message)


def test_management_email_explains_compares_and_asks(demo):
    (message,) = messages(demo, "hq").values()
    text = text_of(message)
    headline = section(text, "In short").strip().splitlines()
    assert len(headline) >= 2 and headline[0].startswith("Units are at ") and "score is" in headline[0]
    assert any(line.startswith("We ask you to decide: ") for line in headline)
    since = section(text, "Since the last review")
    assert "Review week:" in since and "Score:" in since  # the demo reviews twice (before and after the import)
    plan = load_plan(demo / "account.xlsx")
    programs = section(text, "Per-program ROI")
    for program in plan.programs:
        assert f"* {program.id} {program.name} " in programs
    groups = section(text, "Problems by kind, by money at stake")
    kinds = [line.split(":")[0] for line in groups.splitlines() if line.startswith("* ")]
    assert kinds and len(kinds) == len(set(kinds))  # one line per kind, not one per store
    assert "ROI -0%" not in text and "ROI −0%" not in text
    assert "== Stores per quadrant ==" in text and "== Next period ==" in text
    needs = section(text, "Retailer needs and the programs that answer them")
    for need in plan.needs:
        line = next(line for line in needs.splitlines() if line.startswith(f"* {need.id} "))
        assert "extra units" in line or "No program answers this need yet" in line


# ---------------------------------------------------------------------------
# Chinese throughout: the e-mails of every kind and the sheets review writes
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_zh(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("readers-zh") / "demo"
    assert main(["demo", "--out", str(out), "--stores", "30", "--lang", "zh", "--quiet"]) == 0
    return out


def test_chinese_emails_have_no_english_words(demo_zh):
    folder = demo_zh / "邮件" / "messages"
    kinds = set()
    for path in sorted(folder.glob("*.eml")):
        message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        kinds.add(path.stem.split("-")[0])
        for part in ("plain", "html"):
            body = message.get_body((part,)).get_content()
            if part == "html":
                body = re.sub(r"<style.*?</style>|<[^>]+>|&\w+;", " ", body, flags=re.S)
            assert not english_words(body), (path.name, part, sorted(english_words(body))[:10])
        assert not english_words(str(message["Subject"]))
    assert kinds == {"hq", "sr", "store"}


def test_chinese_review_sheets_have_no_english_words(demo_zh):
    from kam_xl.lang.words import sheet_name

    book = FileBook(demo_zh / "客户计划.xlsx")
    keys = (
        "sc_account",
        "sc_store",
        "sc_sr",
        "sc_region",
        "sc_tier",
        "sc_problems",
        "sc_programs",
        "sc_voice",
        "sc_next",
    )
    for key in keys:
        for row in book.grid(sheet_name(key, "zh")):
            for value in row:
                if isinstance(value, str):
                    assert not english_words(value), (key, value)


def test_chinese_typography_has_full_width_colons_and_no_space_around_names(demo_zh):
    for path in sorted((demo_zh / "邮件" / "messages").glob("*.eml")):  # every kind: hq, sr, store
        message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        for part in ("plain", "html"):
            text = message.get_body((part,)).get_content()
            if part == "html":
                text = re.sub(r"<style.*?</style>|<[^>]+>|&\w+;", " ", text, flags=re.S)
            assert not SPACED.search(text), (path.name, part, SPACED.search(text))
            assert not HALF_COLON.search(text), (path.name, part, text[HALF_COLON.search(text).start() - 30 :][:60])


def test_the_voice_of_the_store_reaches_hq(demo):
    from kam_xl.reviewing.run import read_inputs

    book = FileBook(demo / "account.xlsx")
    entries = read_inputs(book).entries
    typed = {t.strip() for t in entries.weekly["competitor_activity"].dropna() if str(t).strip()}
    grid = book.grid("Voice of the store")
    header = grid[5]
    rows = [dict(zip(header, row)) for row in grid[6:] if row and row[0]]
    said = [r for r in rows if r["What"] == "Competitor activity"]
    assert typed and {r["What was said"] for r in said} == typed
    feedback = {t.strip() for t in entries.stores["manager_comment"].dropna() if str(t).strip()}
    assert feedback <= {r["What was said"] for r in rows if r["What"] == "Store manager feedback"}
    plan = load_plan(demo / "account.xlsx")
    starts = {f"the week of {w.start.day} {w.start.strftime('%b %Y')}": i for i, w in enumerate(plan.weeks)}
    order = [starts[r["Week"]] for r in rows]
    assert order == sorted(order, reverse=True)  # newest first
    (message,) = messages(demo, "hq").values()
    voice = section(text_of(message), "What the stores say")
    assert any(text in voice for text in typed)


def test_the_management_one_pager_is_one_non_blank_page(demo, tmp_path):
    from PIL import Image

    (message,) = messages(demo, "hq").values()
    parts = {p.get_content_type(): p.get_content() for p in message.iter_attachments()}
    image = Image.open(demo / "emails" / "management-one-page.png").convert("L")
    assert image.size[1] > image.size[0]  # A4 portrait
    dark = sum(image.histogram()[:128])
    assert dark > 0.01 * image.size[0] * image.size[1]  # text drawn, not a blank page
    pdf = parts["application/pdf"]
    assert pdf.startswith(b"%PDF") and len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf)) == 1


def test_the_chinese_review_headline_on_the_console_is_chinese(demo_zh, capsys):
    from kam_xl.reviewing.run import headline

    capsys.readouterr()
    assert main(["review", str(demo_zh / "客户计划.xlsx"), "--force"]) == 0
    printed = capsys.readouterr().out
    labels = [name for name, _ in headline({"language": "zh", **_summary_shape()})]
    lines = [line.strip() for line in printed.splitlines() if any(line.strip().startswith(f"{n}：") for n in labels)]
    assert len(lines) >= 9
    for line in lines:
        assert not english_words(line), line


def _summary_shape() -> dict:
    """A summary with just what headline() reads (its labels do not depend on the numbers)."""
    return {
        "kpis": [{"measure": "units", "attainment": 1.0, "rag": "green"}],
        "as_of_week": 1,
        "as_of_week_id": "W1",
        "weeks": 1,
        "score": 100.0,
        "score_rag": "green",
        "share": 0.3,
        "competitor_share": 0.2,
        "competitor": "X",
        "retailer_gain": 1.0,
        "currency": "CNY",
        "investment": 1.0,
        "roi": 0.1,
        "roi_rag": "green",
        "quadrants": {"star": 1},
        "relationship": {"evidence": None, "target": None},
        "flags": {},
    }
