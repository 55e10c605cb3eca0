"""Charts of the e-mails as PNG images (matplotlib, Agg), with a CJK font for Chinese labels."""

from __future__ import annotations

import io
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from kam_xl.errors import KamError
from kam_xl.mail.content import one_line

# Fonts with Chinese glyphs, best first: Linux (fonts-noto-cjk, fonts-wqy), Windows, macOS.
CJK_FAMILIES = (
    "Noto Sans CJK SC",
    "Noto Sans CJK",
    "Source Han Sans SC",
    "Source Han Sans",
    "Noto Sans SC",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "Microsoft YaHei",
    "SimHei",
    "DengXian",
    "PingFang SC",
    "Hiragino Sans GB",
    "Heiti SC",
    "Arial Unicode MS",
)
LATIN_FAMILY = "DejaVu Sans"
CJK_CHARACTER = re.compile(r"[\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]")
RAG_COLOURS = {"green": "#2E7D32", "amber": "#E0A100", "red": "#C62828", None: "#9E9E9E"}
INK, GRID, TARGET = "#263238", "#CFD8DC", "#1F4E78"
WIDTH_IN = 7.2  # shown 720 px wide in the e-mail at 100 dpi
LABEL_CHARS = 30
PALETTE = 64  # colours of the PNG


@dataclass
class ChartImage:
    """A chart as PNG bytes, with the texts drawn and the font files matplotlib used for them."""

    png: bytes
    name: str
    alt: str
    texts: list[str] = field(default_factory=list)
    fonts: list[str] = field(default_factory=list)
    cid: str = ""  # the Content-ID the e-mail's HTML refers to (set by the e-mail builder)
    render: Callable[[int], bytes] | None = field(default=None, repr=False)

    def shrink(self, dpi: int) -> None:
        """Render again at a lower resolution (a smaller file)."""
        if self.render is not None:
            self.png = self.render(dpi)


class FontError(KamError):
    """No font can draw the chart's labels (Chinese text without a CJK font)."""


def has_cjk(texts) -> bool:
    return any(CJK_CHARACTER.search(str(text)) for text in texts)


def cjk_family() -> str | None:
    """The first installed family of CJK_FAMILIES, as matplotlib knows it (None when none is installed)."""
    from matplotlib import font_manager

    installed = {entry.name for entry in font_manager.fontManager.ttflist}
    for wanted in CJK_FAMILIES:
        found = sorted(name for name in installed if name == wanted or name.startswith(wanted + " "))
        if found:
            return wanted if wanted in installed else found[0]
    return None


def font_path(family: str) -> str:
    """The font file matplotlib uses for a family (a .ttc file may hold several faces)."""
    from matplotlib import font_manager

    found = font_manager.findfont(font_manager.FontProperties(family=family), fallback_to_default=False)
    return str(getattr(found, "path", found))


def missing_glyphs(texts, families: list[str]) -> set[str]:
    """The characters of `texts` (spaces aside) that none of the families' fonts can draw."""
    from matplotlib import font_manager

    fonts = [
        font_manager.get_font(font_manager.findfont(font_manager.FontProperties(family=f), fallback_to_default=False))
        for f in families
    ]
    wanted = {ch for text in texts for ch in str(text) if not ch.isspace()}
    return {ch for ch in wanted if not any(font.get_char_index(ord(ch)) for font in fonts)}


def chart_families(texts, lang: str) -> list[str]:
    """The font families for labels in `lang`: a CJK font first when the text needs one (else a clear error)."""
    if lang != "zh" and not has_cjk(texts):
        return [LATIN_FAMILY]
    family = cjk_family()
    if family is None:
        raise FontError(
            "the charts have Chinese text but no Chinese (CJK) font is installed: install Noto Sans CJK "
            "(Debian/Ubuntu: apt-get install fonts-noto-cjk; Windows and macOS have Microsoft YaHei "
            "or PingFang), then delete matplotlib's font cache folder and run again"
        )
    families = [family, LATIN_FAMILY]
    missing = {ch for ch in missing_glyphs(texts, families) if CJK_CHARACTER.match(ch)}
    if missing:
        raise FontError(
            f"the font {family} ({font_path(family)}) cannot draw {''.join(sorted(missing))!r}: install fonts-noto-cjk"
        )
    return families


def drawable(text: str, missing: set[str]) -> str:
    """A label on one line with the characters no font has replaced by '?' (so the chart shows no empty boxes)."""
    return "".join("?" if ch in missing else ch for ch in one_line(text))


def short(text: str, limit: int = LABEL_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


class Canvas:
    """One figure drawn with the fonts of its texts: draw inside `with Canvas(...)`, then `png(dpi)`."""

    def __init__(self, texts: list[str], lang: str, height_in: float, ratios: tuple[float, ...] = (1.0,)):
        self.families = chart_families(texts, lang)
        self.missing = missing_glyphs(texts, self.families)
        self.rc = {
            "font.family": self.families,
            "text.parse_math": False,
            "axes.edgecolor": GRID,
            "axes.labelcolor": INK,
            "xtick.color": INK,
            "ytick.color": INK,
            "font.size": 9,
            "axes.titlesize": 10.5,
            "axes.titleweight": "bold",
            "axes.titlelocation": "left",
        }
        self.size, self.ratios = (WIDTH_IN, height_in), ratios
        self._context = None

    def __enter__(self) -> Canvas:
        from matplotlib import rc_context
        from matplotlib.figure import Figure

        self._context = rc_context(self.rc)
        self._context.__enter__()
        self.figure = Figure(figsize=self.size, layout="constrained")
        self.axes = self.figure.subplots(len(self.ratios), 1, squeeze=False, height_ratios=self.ratios)[:, 0]
        return self

    def __exit__(self, *exc) -> None:
        self._context.__exit__(*exc)

    def label(self, text: str) -> str:
        return drawable(str(text), self.missing)

    def png(self, dpi: int) -> bytes:
        """The figure as a palette PNG (charts have few colours: a third of the size, no visible change)."""
        from matplotlib import rc_context
        from PIL import Image

        buffer = io.BytesIO()
        with rc_context(self.rc):
            self.figure.savefig(buffer, format="png", dpi=dpi, facecolor="white", metadata={"Software": None})
        image = Image.open(buffer).convert("RGB").quantize(colors=PALETTE, method=Image.Quantize.MEDIANCUT)
        small = io.BytesIO()
        image.save(small, format="PNG", optimize=True)
        return small.getvalue()

    def fonts_used(self) -> list[str]:
        """The font files matplotlib picks for the figure's texts (the first family that exists)."""
        from matplotlib import font_manager
        from matplotlib.text import Text

        found = {
            str(getattr(p, "path", p))
            for p in (
                font_manager.findfont(t.get_fontproperties(), fallback_to_default=False)
                for t in self.figure.findobj(Text)
                if t.get_text()
            )
        }
        return sorted(found)


def _style(ax) -> None:
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.grid(axis="x", color=GRID, linewidth=0.6)
    ax.set_axisbelow(True)


def _percent_axis(ax, values: np.ndarray, axis: str = "x") -> None:
    from matplotlib.ticker import PercentFormatter

    top = max(1.2, float(np.nanmax(values)) * 1.12) if np.isfinite(values).any() else 1.2
    (ax.set_xlim if axis == "x" else ax.set_ylim)(0, top)
    (ax.xaxis if axis == "x" else ax.yaxis).set_major_formatter(PercentFormatter(1.0, decimals=0))


def attainment_bars(ax, labels: list[str], values: np.ndarray, rags: list, title: str) -> None:
    """Horizontal bars of attainment in RAG colours, a 100 % target line and the value at each bar."""
    rows = np.arange(len(labels))[::-1]
    shown = np.nan_to_num(values, nan=0.0)
    ax.barh(rows, shown, color=[RAG_COLOURS.get(r, RAG_COLOURS[None]) for r in rags], height=0.62)
    ax.set_yticks(rows, labels)
    ax.axvline(1.0, color=TARGET, linewidth=1.2, linestyle="--")
    for row, value in zip(rows, values):
        text = "–" if math.isnan(value) else f"{value:.0%}"
        ax.text(
            (0 if math.isnan(value) else value) + 0.012,
            row,
            text,
            va="center",
            fontsize=8,
            color=INK,
            bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.6, "alpha": 0.85},
        )
    _percent_axis(ax, values)
    ax.set_title(title)
    _style(ax)


def store_chart(labels: list[str], values, rags: list, title: str, alt: str, lang: str, dpi: int = 150) -> ChartImage:
    """The SR's chart: each store's units attainment to date, in RAG colours."""
    texts = [title, *labels]
    with Canvas(texts, lang, height_in=1.1 + 0.27 * max(len(labels), 3)) as canvas:
        attainment_bars(
            canvas.axes[0],
            [canvas.label(short(x)) for x in labels],
            np.asarray(values, dtype=float),
            rags,
            canvas.label(title),
        )
    return ChartImage(canvas.png(dpi), "stores.png", alt, texts, canvas.fonts_used(), render=canvas.png)


def account_chart(
    weeks: pd.DataFrame, srs: pd.DataFrame, words: dict[str, str], lang: str, dpi: int = 150
) -> ChartImage:
    """The management chart: weekly units vs target, then units attainment to date by SR.

    `srs` has columns label, attainment, rag (best first); `words` has weekly, by_sr, target, actual, alt.
    """
    texts = [
        words["weekly"],
        words["by_sr"],
        words["target"],
        words["actual"],
        *srs["label"],
        *weeks["week_id"],
    ]
    bars = 0.9 + 0.25 * max(len(srs), 3)
    with Canvas(texts, lang, height_in=2.8 + bars, ratios=(2.8, bars)) as canvas:
        top, bottom = canvas.axes
        canvas.figure.get_layout_engine().set(hspace=0.08)
        _weekly(top, weeks, {k: canvas.label(v) for k, v in words.items()})
        attainment_bars(
            bottom,
            [canvas.label(short(x)) for x in srs["label"]],
            srs["attainment"].to_numpy(dtype=float),
            list(srs["rag"]),
            canvas.label(words["by_sr"]),
        )
    return ChartImage(canvas.png(dpi), "account.png", words["alt"], texts, canvas.fonts_used(), render=canvas.png)


def _weekly(ax, weeks: pd.DataFrame, words: dict[str, str]) -> None:
    positions = np.arange(len(weeks))
    ax.bar(
        positions,
        weeks["units"].to_numpy(dtype=float),
        color="#5B9BD5",
        width=0.64,
        label=words["actual"],
        zorder=2,
    )
    ax.plot(
        positions,
        weeks["target_units"].to_numpy(dtype=float),
        color=TARGET,
        marker="o",
        markersize=3.5,
        linewidth=1.6,
        label=words["target"],
    )
    step = max(1, math.ceil(len(weeks) / 13))
    ax.set_xticks(
        positions[::step],
        [str(w)[-3:] if "-W" in str(w) else str(w) for w in weeks["week_id"]][::step],
    )
    ax.set_title(words["weekly"])
    ax.legend(loc="upper center", frameon=False, ncols=2, bbox_to_anchor=(0.5, -0.1))
    ax.yaxis.set_major_formatter(_thousands())
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.grid(axis="y", color=GRID, linewidth=0.6)
    ax.set_axisbelow(True)


def _thousands():
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda value, _: f"{value:,.0f}")
