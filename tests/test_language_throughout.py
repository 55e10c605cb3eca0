"""Chinese throughout, English throughout: what every command prints on a Chinese workbook is Chinese (progress
stages, validate, collect, import, the collect log too), and the English demo holds no Chinese outside the names
the plan gives (stores, SRs, programs)."""

from __future__ import annotations

import email
import json
import re
import shutil
from email import policy
from pathlib import Path

import openpyxl
import pytest

from kam_xl.cli import main
from kam_xl.execution.log import LOG_COLUMNS
from kam_xl.lang.console import STAGES, stage_words
from kam_xl.lang.words import sheet_name
from kam_xl.plan.load import load_plan, read_plan
from kam_xl.xlsx.filebook import FileBook
from tests.support.language import HALF_COLON, SPACED, chinese, english_words
from tests.test_validate_bad_inputs import CASES, Where

BOOK = "客户计划.xlsx"
RAW_KEY = re.compile(r"\b(?:week|program|action|comment)\|")


@pytest.fixture(scope="module")
def zh_run(tmp_path_factory):
    """The Chinese demo run as a person runs it (no --quiet), and what it printed."""
    out = tmp_path_factory.mktemp("zh-console") / "demo"
    capture = pytest.MonkeyPatch()
    printed = _run(capture, ["demo", "--lang", "zh", "--out", str(out), "--stores", "30"])
    return out, printed


def _run(capture, argv: list[str], code: int = 0) -> str:
    """What `kam ARGV` prints (stdout and stderr), checking its exit code."""
    import contextlib
    import io

    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        assert main(argv) == code, stdout.getvalue() + stderr.getvalue()
    return stdout.getvalue() + stderr.getvalue()


def _scan(printed: str, folder: Path) -> list[tuple[str, list[str]]]:
    """The lines of `printed` with English words (the demo's folder path taken out first)."""
    found = []
    for line in printed.replace(str(folder), " ").splitlines():
        words = sorted(english_words(line))
        if words:
            found.append((line, words))
    return found


def _typography(printed: str) -> list[str]:
    return [line for line in printed.splitlines() if HALF_COLON.search(line) or SPACED.search(line)]


def test_the_chinese_demo_prints_chinese(zh_run):
    folder, printed = zh_run
    assert "回收日志" in printed and "数值拒收" in printed  # the collect lines are there, in Chinese
    assert not _scan(printed, folder)
    assert not _typography(printed)
    assert not RAW_KEY.search(printed)  # a field by its name and week, never week|2026-W47|units


def test_every_command_on_a_chinese_workbook_prints_chinese(zh_run, tmp_path):
    source, _ = zh_run
    folder = tmp_path / "demo"
    shutil.copytree(source, folder)
    book = str(folder / BOOK)
    runs = [
        (["validate", book], 0),
        (["generate", book], 0),
        (["split", book, "--out", str(folder / "再次分发")], 0),
        (["collect", book, str(folder / "业务代表文件")], 0),  # collected before: each file skipped, and why
        (["import", book, str(folder / "零售商销售日报.xlsx")], 0),
        (["review", book], 0),
        (["email", book, "--out", str(folder / "邮件2"), "--to", "hq"], 0),
        (["next-period", book, "--out", str(folder / "客户计划-第2期.xlsx")], 0),
    ]
    capture = pytest.MonkeyPatch()
    printed = {argv[0]: _run(capture, argv, code) for argv, code in runs}
    assert "跳过" in printed["collect"] and "跳过" in printed["import"]
    for command, text in printed.items():
        assert text.strip(), command
        assert not _scan(text, folder), (command, _scan(text, folder)[:5])
        assert not _typography(text), (command, _typography(text)[:5])


def test_every_progress_stage_has_chinese_words():
    used = set()
    for path in Path("kam_xl").rglob("*.py"):
        used |= set(re.findall(r'every\(\s*progress,\s*"([^"]+)"', path.read_text(encoding="utf-8")))
    assert used and used <= set(STAGES)
    for stage in used:
        assert not english_words(stage_words(stage, "zh")), stage
        assert stage_words(stage, "en") == stage


def test_the_progress_bars_name_their_stage_in_the_workbook_language():
    from kam_xl.cli import Output

    out = Output(quiet=False, as_json=False)
    out.lang = "zh"
    with out.progress() as bars:
        bars("reading SR files", 1, 2)
        assert [task.description for task in bars._bars.tasks] == ["读取业务代表文件"]


def test_the_chinese_collect_log_sheet_is_chinese_and_names_fields(zh_run):
    folder, _ = zh_run
    grid = FileBook(folder / BOOK).grid(sheet_name("collect_log", "zh"))
    header = next(i for i, row in enumerate(grid) if row and row[0] == "时间")
    shown = [name for name in LOG_COLUMNS if name not in ("file", "old", "new", "key")]  # not typed by kam
    rows = [dict(zip(LOG_COLUMNS, row)) for row in grid[header + 1 :] if any(row)]
    assert rows and any(r["what"] == "数值拒收" for r in rows)
    for row in grid[: header + 1]:
        for value in row:
            if isinstance(value, str) and value != "kam collect":
                assert not english_words(value.replace("kam collect", "")), value
    for row in rows:
        for name in shown:
            value = row.get(name)
            if isinstance(value, str):
                assert not english_words(value), (name, value)
                assert not RAW_KEY.search(value), (name, value)
        if row["what"] == "数值拒收":
            assert re.match(r"^.+，\d{4}年\d+月\d+日当周$", row["field"]), row["field"]  # 销量，2026年11月16日当周
            assert RAW_KEY.match(row["key"])  # the key stays, in the hidden column, for kam's own reading


@pytest.fixture(scope="module")
def clean_zh(demo_book_factory):
    path = demo_book_factory("zh", 30)
    _, problems, reader = read_plan(path)
    assert not [p for p in problems if p.is_error]
    return path, Where(reader)


@pytest.mark.parametrize("case", CASES, ids=[c.__name__ for c in CASES])
def test_validate_speaks_chinese_on_a_chinese_plan(case, clean_zh, tmp_path):
    source, where = clean_zh
    book = openpyxl.load_workbook(source)
    (sheet, cell), _ = case(book, where)
    path = tmp_path / "计划.xlsx"
    book.save(path)
    capture = pytest.MonkeyPatch()
    result = json.loads(_run(capture, ["validate", str(path), "--json"], 1))
    problems = result["errors"] + result["warnings"]
    assert any(p["sheet"] == sheet and (not cell or p["cell"] == cell) for p in problems), problems
    for problem in problems:  # what was typed may be quoted in the message: it is the person's, not kam's
        assert not english_words(problem["message"].replace(problem["value"] or "\0", "")), problem
    printed = _run(capture, ["validate", str(path)], 1)
    for problem in problems:  # what was typed is shown as typed: take it out before looking for English
        if problem["value"]:
            printed = printed.replace(problem["value"], "")
    assert not _scan(printed, path.parent), _scan(printed, path.parent)[:5]


def test_the_sr_capacity_warning_is_in_the_plan_language(demo_book_factory, tmp_path):
    for lang, words in (("en", "visits a week"), ("zh", "每周需要")):
        source = demo_book_factory(lang, 30)
        _, _, reader = read_plan(source)
        book = openpyxl.load_workbook(source)
        book[reader.names["account"]][reader.account_cells["sr_capacity"]] = 1
        path = tmp_path / f"capacity-{lang}.xlsx"
        book.save(path)
        capture = pytest.MonkeyPatch()
        result = json.loads(_run(capture, ["validate", str(path), "--json"]))
        messages = [p["message"] for p in result["warnings"] if words in p["message"]]
        assert messages, result["warnings"]
        if lang == "zh":
            assert not english_words(" ".join(messages)), messages


# ---------------------------------------------------------------------------
# The English demo: no Chinese outside the names the plan gives
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def en_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("en-console") / "demo"
    printed = _run(pytest.MonkeyPatch(), ["demo", "--out", str(out), "--stores", "30"])
    return out, printed


def _names(folder: Path) -> list[str]:
    """The names the plan gives: stores, SRs, store managers, programs, needs, competitors, regions, the account."""
    plan = load_plan(folder / "account.xlsx")
    names = {plan.account.name}
    for store in plan.stores:
        names |= {store.name, store.sr_name, store.manager, store.region, store.city}
    names |= {p.name for p in plan.programs} | {c.name for c in plan.competitors} | {n.need for n in plan.needs}
    return [n for n in names if isinstance(n, str) and n]


def test_the_english_demo_has_no_chinese_outside_names(en_run):
    folder, printed = en_run
    names = _names(folder)
    assert not chinese(printed, names)
    book = FileBook(folder / "account.xlsx")
    found = []
    for sheet in book.sheet_names():
        if sheet.startswith("_"):  # kam's hidden bookkeeping sheets carry a bilingual "do not edit" note
            continue
        for row in book.grid(sheet):
            found += [(sheet, v) for v in row if isinstance(v, str) and chinese(v, names)]
    assert not found, found[:5]
    messages = sorted((folder / "emails" / "messages").glob("*.eml"))
    assert {p.stem.split("-")[0] for p in messages} == {"hq", "sr", "store"}
    for path in messages:
        message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        assert not chinese(str(message["Subject"]), names), path.name
        for part in ("plain", "html"):
            body = message.get_body((part,)).get_content()
            assert not chinese(body, names), (path.name, part, "".join(chinese(body, names))[:40])


# ---------------------------------------------------------------------------
# One format for a change of a share: percentage points, in the workbook and the e-mail alike
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_share_change_reads_the_same_in_the_workbook_and_the_email(lang, en_run, zh_run):
    from kam_xl.lang.numbers import points_format, share_points
    from kam_xl.lang.texts import review_text

    folder = (en_run if lang == "en" else zh_run)[0]
    book = openpyxl.load_workbook(folder / ("account.xlsx" if lang == "en" else BOOK))
    sheet = book[sheet_name("sc_account", lang)]
    label = review_text("share_change", lang)
    (cell,) = [row[1] for row in sheet.iter_rows() if row[0].value == label]
    assert cell.number_format == points_format(lang)  # the cell holds the points: 0.7 shows "+0.7 pt"
    shown = share_points(cell.value / 100, lang)
    assert shown.endswith(" pt" if lang == "en" else "个百分点")
    (path,) = (folder / ("emails" if lang == "en" else "邮件") / "messages").glob("hq-*.eml")
    message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
    text = message.get_body(("plain",)).get_content()
    line = next(line for line in text.splitlines() if label in line)
    assert line.endswith(f"{label} {shown}") or line.endswith(f"{label}{shown}"), (line, shown)
