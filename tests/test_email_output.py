"""What kam writes stays safe and stays put: header text from names with line breaks, CSV cells Excel will not
run, and `kam email --out DIR` deleting only what kam wrote there."""

from __future__ import annotations

import csv
import io
import json
from email import message_from_bytes
from email.policy import default
from pathlib import Path

import pytest

from kam_xl.cli import main
from kam_xl.csvfile import FORMULA_START, csv_text
from kam_xl.mail.batch import WRITTEN
from kam_xl.mail.smtp import SEND_LOG
from tests.support.email_books import edited_book

LONG_CJK = "华信电子" * 60 + "旗舰店"  # 243 characters: many encoded words, folded over several lines


# ---------------------------------------------------------------------------
# Header values from sanitised text
# ---------------------------------------------------------------------------

NAMES = {
    "HX0001": {"B": "Huaxin\nPlaza", "K": "Wang\nLi"},
    "HX0002": {"B": "Huaxin\r\nMall"},
    "HX0003": {"B": "Huaxin\tTab Store", "K": "Zhao\t\tBo"},
    "HX0004": {"B": LONG_CJK},
    "HX0005": {"B": "Evil\r\nBcc: thief@example.com"},
}


@pytest.fixture(scope="module")
def named_book(tmp_path_factory):
    return edited_book(tmp_path_factory.mktemp("names"), account={"B5": "Huaxin\nElectronics"}, stores=NAMES, weeks=2)


def _header_block(raw: bytes) -> bytes:
    return raw.split(b"\r\n\r\n", 1)[0]


def test_line_breaks_tabs_and_long_cjk_names_become_one_line_headers(named_book, tmp_path, capsys):
    assert main(["email", str(named_book), "--out", str(tmp_path)]) == 0
    assert "not written" not in capsys.readouterr().out  # no manager skipped for a name with a line break
    records = {m["key"]: m for m in json.loads((tmp_path / "messages.json").read_text(encoding="utf-8"))["messages"]}
    expected = {
        "HX0001": ("Huaxin Plaza", "Wang Li"),
        "HX0002": ("Huaxin Mall", None),
        "HX0003": ("Huaxin Tab Store", "Zhao Bo"),
        "HX0004": (LONG_CJK, None),
        "HX0005": ("Evil Bcc: thief@example.com", None),
    }
    for key, (store, manager) in expected.items():
        raw = (tmp_path / records[key]["file"]).read_bytes()
        message = message_from_bytes(raw, policy=default)
        assert store in message["Subject"] and message["Subject"] == records[key]["subject"]
        if manager:
            assert message["To"].addresses[0].display_name == manager
        for line in _header_block(raw).split(b"\r\n"):
            assert len(line) <= 998 and b"\n" not in line and b"\r" not in line
            assert not line.lower().startswith(b"bcc")  # no header injected by a name
        assert all(not header.defects for _, header in message.items())
        assert not any(ch < " " for ch in message["Subject"])
    evil = message_from_bytes((tmp_path / records["HX0005"]["file"]).read_bytes(), policy=default)
    assert [name for name, _ in evil.items()].count("Bcc") == 0
    assert "thief@example.com" not in {a.addr_spec for h in ("To", "Cc") if evil[h] for a in evil[h].addresses}
    hq = message_from_bytes((tmp_path / records["account"]["file"]).read_bytes(), policy=default)
    assert "Huaxin Electronics" in hq["Subject"]


# ---------------------------------------------------------------------------
# CSV neutralisation
# ---------------------------------------------------------------------------


def test_csv_text_neutralises_formula_text_and_keeps_numbers():
    rows = [[-5, 1.5, 0, "-5", "=1+1", "+86 21 5555", "@SUM(1+1)", "\tx", "\rx", "a=b", "", None, "华信"]]
    back = next(csv.reader(io.StringIO(csv_text(rows), newline="")))
    assert back == [
        "-5",
        "1.5",
        "0",
        "'-5",
        "'=1+1",
        "'+86 21 5555",
        "'@SUM(1+1)",
        "'\tx",
        "'\rx",
        "a=b",
        "",
        "",
        "华信",
    ]
    assert csv_text([["a"], ["b"]]) == "a\r\nb\r\n"


SR_NAMES = {
    "HX0001": ("SRX1", '=HYPERLINK("http://x","y")'),
    "HX0002": ("SRX1", '=HYPERLINK("http://x","y")'),
    "HX0003": ("SRX2", "@SUM(1+1)"),
    "HX0004": ("SRX3", "+1+2"),
    "HX0005": ("SRX4", "-3+4"),
}


def test_split_index_csv_shows_formula_like_sr_names_as_text(tmp_path):
    stores = {store: {"H": sr, "I": name, "J": f"{sr.lower()}@example.com"} for store, (sr, name) in SR_NAMES.items()}
    book = edited_book(tmp_path / "book", stores=stores, weeks=0)
    assert main(["split", str(book), "--out", str(tmp_path / "sr")]) == 0
    with (tmp_path / "sr" / "index.csv").open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    by_sr = {row[0]: row for row in rows[1:]}
    for sr, name in set(SR_NAMES.values()):
        assert by_sr[sr][1] == "'" + name
    assert by_sr["SRX1"][4] == "2" and by_sr["SRX1"][5] == "HX0001 HX0002"  # numbers stay numbers
    assert not [cell for row in rows for cell in row if cell.startswith(FORMULA_START)]


# ---------------------------------------------------------------------------
# kam email --out: only kam's own files are replaced
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def small_book(tmp_path_factory):
    return edited_book(tmp_path_factory.mktemp("small"), weeks=2)


def _files(folder: Path) -> set[str]:
    """Every file in the folder but kam's lock file (which stays, empty, like any lock file)."""
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file() and p.name != ".kam-lock"}


def test_out_keeps_everything_kam_did_not_write_and_replaces_its_own(small_book, tmp_path):
    out = tmp_path / "mails"
    mine = {
        "notes.txt": "my notes",
        "mine/plan.xlsx": "not kam's",
        "preview/my-page.html": "<p>mine</p>",
        "messages/draft-by-hand.eml": "Subject: mine",
        SEND_LOG: '{"message_id": "<x@y>", "status": "sent"}\n',
    }
    for name, text in mine.items():
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        (out / name).write_text(text, encoding="utf-8")
    assert main(["email", str(small_book), "--out", str(out)]) == 0
    first = _files(out)
    listed = set(json.loads((out / WRITTEN).read_text(encoding="utf-8"))["files"])
    assert listed == first - set(mine) - {WRITTEN}
    assert any(name.startswith("messages/store-") for name in listed)
    (out / "mine" / "empty").mkdir()
    assert main(["email", str(small_book), "--out", str(out), "--to", "hq"]) == 0
    second = _files(out)
    assert not any(name.startswith(("messages/store-", "messages/sr-", "preview/store-")) for name in second)
    assert any(name.startswith("messages/hq-") for name in second)
    assert (out / "mine" / "empty").is_dir()
    for name, text in mine.items():
        assert (out / name).read_text(encoding="utf-8") == text, name
    assert second == set(json.loads((out / WRITTEN).read_text(encoding="utf-8"))["files"]) | set(mine) | {WRITTEN}


def test_out_deletes_nothing_a_tampered_listing_points_outside_or_at_the_send_log(small_book, tmp_path):
    out, outside = tmp_path / "mails", tmp_path / "outside.txt"
    outside.write_text("keep", encoding="utf-8")
    out.mkdir()
    (out / SEND_LOG).write_text("{}\n", encoding="utf-8")
    listing = ["../outside.txt", str(outside), SEND_LOG, f"./{SEND_LOG}", WRITTEN, "sub/../../outside.txt"]
    (out / WRITTEN).write_text(json.dumps({"files": listing, "folders": [".."]}), encoding="utf-8")
    assert main(["email", str(small_book), "--out", str(out), "--to", "hq"]) == 0
    assert outside.read_text(encoding="utf-8") == "keep"
    assert (out / SEND_LOG).read_text(encoding="utf-8") == "{}\n"


def test_out_written_by_an_older_kam_has_its_messages_replaced(small_book, tmp_path):
    out = tmp_path / "mails"
    assert main(["email", str(small_book), "--out", str(out), "--to", "sr"]) == 0
    (out / WRITTEN).unlink()  # as an older kam left it: messages.json only
    (out / "keep.txt").write_text("mine", encoding="utf-8")
    assert main(["email", str(small_book), "--out", str(out), "--to", "hq"]) == 0
    assert not list((out / "messages").glob("sr-*.eml")) and list((out / "messages").glob("hq-*.eml"))
    assert (out / "keep.txt").read_text(encoding="utf-8") == "mine"


def test_out_that_is_a_file_is_exit_2_with_a_message(small_book, tmp_path, capsys):
    target = tmp_path / "mails.txt"
    target.write_text("a file", encoding="utf-8")
    assert main(["email", str(small_book), "--out", str(target)]) == 2
    err = capsys.readouterr().err
    assert "is a file, not a folder" in err and "Traceback" not in err
    assert target.read_text(encoding="utf-8") == "a file"
    below = target / "mails"
    assert main(["email", str(small_book), "--out", str(below)]) == 2
    assert "Traceback" not in capsys.readouterr().err
