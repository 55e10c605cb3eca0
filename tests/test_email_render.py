"""The e-mails as people see them: headless Chromium renders the index and each kind; charts draw Chinese."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from matplotlib import font_manager
from PIL import Image, ImageStat

from kam_xl.mail.batch import INDEX, build_emails, write_preview
from kam_xl.mail.charts import CJK_CHARACTER, store_chart
from tests.support.email_books import read_eml, reviewed_book

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def chromium() -> str | None:
    """The Chromium binary, or None; fails instead of skipping when KAM_REQUIRE_CHROMIUM is set."""
    found = next((path for name in CHROMIUM_NAMES if (path := shutil.which(name))), None)
    if found is None and os.environ.get("KAM_REQUIRE_CHROMIUM"):
        pytest.fail("KAM_REQUIRE_CHROMIUM is set but no chromium is installed (apt-get install chromium)")
    return found


def screenshot(browser: str, page: Path, out: Path, profile: Path) -> Image.Image:
    command = [
        browser,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        f"--screenshot={out}",
        "--window-size=1200,1600",
        page.as_uri(),
    ]
    subprocess.run(command, check=True, capture_output=True, timeout=120)
    return Image.open(out).convert("RGB")


def assert_not_blank(image: Image.Image) -> None:
    stat = ImageStat.Stat(image)
    assert max(stat.stddev) > 20, "the page rendered (nearly) blank"
    assert len(image.getcolors(maxcolors=1 << 20) or ()) > 50


@pytest.fixture(scope="module")
def zh_folder(tmp_path_factory):
    book = reviewed_book(tmp_path_factory.mktemp("render-book"), "zh", stores=12)
    folder = tmp_path_factory.mktemp("render-out")
    return folder, build_emails(book, folder)


def test_chromium_renders_the_index_and_each_kind_of_email(zh_folder, tmp_path):
    browser = chromium()
    if browser is None:
        pytest.skip("chromium is not installed (set KAM_REQUIRE_CHROMIUM=1 to make this a failure)")
    folder, batch = zh_folder
    pages = {"index": folder / INDEX}
    for kind in ("sr", "store", "hq"):
        record = next(m for m in batch if m.kind == kind)
        extracted = tmp_path / kind
        extracted.mkdir()
        pages[kind] = write_preview(read_eml(folder / record.file), extracted, kind)
        if kind != "store":
            images = [p for p in extracted.iterdir() if p.suffix == ".png"]
            assert images and all(f'src="{p.name}"' in pages[kind].read_text(encoding="utf-8") for p in images)
    for name, page in pages.items():
        image = screenshot(browser, page, tmp_path / f"{name}.png", tmp_path / f"profile-{name}")
        assert image.size == (1200, 1600)
        assert_not_blank(image)


def test_chinese_chart_labels_are_drawn_with_a_cjk_font(zh_folder):
    folder, batch = zh_folder
    record = next(m for m in batch if m.kind == "sr")
    labels = [f"{store} 测试门店" for store in record.stores]
    chart = store_chart(labels, [0.9] * len(labels), ["amber"] * len(labels), "各门店销量目标达成率", "alt", "zh")
    cjk_text = "".join(ch for text in chart.texts for ch in text if CJK_CHARACTER.match(ch))
    assert cjk_text
    cjk_fonts = [
        path for path in chart.fonts if "CJK" in font_manager.get_font(path).family_name or "CJK" in Path(path).name
    ]
    assert cjk_fonts, f"no CJK font drew the chart: {chart.fonts}"
    font = font_manager.get_font(cjk_fonts[0])
    assert all(font.get_char_index(ord(ch)) for ch in cjk_text), "the CJK font lacks glyphs of the labels"
    image = Image.open(io.BytesIO(chart.png)).convert("RGB")
    assert_not_blank(image)
