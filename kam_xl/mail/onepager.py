"""The management one-pager: the management e-mail's headline, key numbers, change since the last review,
per-program ROI, problems by kind and the voice of the store on one A4 page, as PNG (for WeChat / DingTalk) and
PDF, drawn with matplotlib from the same context as the e-mail."""

from __future__ import annotations

import io
import textwrap

from kam_xl.lang.words import full_width
from kam_xl.mail.charts import chart_families, drawable, missing_glyphs

PAGE = (8.27, 11.69)  # A4, inches
INK, MUTED, BLUE = "#1f2937", "#6b7280", "#1f4e79"
RAG = {"green": "#2e7d32", "amber": "#b26a00", "red": "#c62828"}
VERDICT = {"keep": "green", "change": "amber", "stop": "red"}


def _wrap(text: str, lang: str, width: int = 96) -> list[str]:
    if lang == "zh":
        step = width // 2
        return [text[i : i + step] for i in range(0, len(text), step)] or [""]
    return textwrap.wrap(text, width) or [""]


def page_texts(context: dict) -> list[str]:
    """Every text the page draws (for the fonts)."""
    t = context["t"]
    texts = [context["account"], context["week"], *context["headline"]]
    texts += [r["label"] for r in context["since"]] + [p["name"] for p in context["program_rows"]]
    texts += [g["kind"] for g in context["problem_groups"]] + list(context["voice"]["competitors"])
    texts += [t(k) for k in ("sec_headline", "sec_since", "sec_programs", "sec_problem_groups", "sec_voice")]
    return texts


def one_pager(context: dict) -> tuple[bytes, bytes]:
    """(PNG, PDF) of the management one-pager from the management e-mail's template context."""
    from matplotlib import rc_context
    from matplotlib.figure import Figure

    lang, t = context["lang"], context["t"]
    texts = page_texts(context)
    families = chart_families(texts, lang)
    missing = missing_glyphs(texts, families)
    figure = Figure(figsize=PAGE)
    y = [0.965]

    def put(text, size=9.0, color=INK, weight="normal", x=0.06, gap=None):
        figure.text(x, y[0], drawable(str(text), missing), fontsize=size, color=color, weight=weight, va="top")
        y[0] -= gap if gap is not None else size / 72 / PAGE[1] * 1.45

    def heading(text):
        y[0] -= 0.008
        put(text, 11, BLUE, "bold")

    with rc_context({"font.family": families, "text.parse_math": False}):
        put(f"{context['account']} · {context['supplier']}", 9, MUTED)
        for part in _wrap(t("subj_hq", account=context["account"], week=context["week"]), lang, 62):
            put(part, 14, BLUE, "bold")
        heading(t("sec_headline"))
        for line in context["headline"]:
            for part in _wrap(line, lang):
                put(part, 9.5, INK, "bold")
        s, currency = context["s"], context["currency"]
        units = context.get("units") or {}
        cards = [
            (t("score"), "–" if s.get("score") is None else f"{s['score']:.1f}", s.get("score_rag")),
            (
                t("units_line"),
                "–" if units.get("attainment") is None else f"{units['attainment']:.0%}",
                units.get("rag"),
            ),
            (t("roi"), "–" if s.get("roi") is None else f"{s['roi']:.1%}", context.get("roi_rag")),
            (t("gain_short"), "–" if s.get("retailer_gain") is None else f"{currency} {s['retailer_gain']:,.0f}", None),
        ]
        y[0] -= 0.01
        for i, (label, value, rag) in enumerate(cards):
            x = 0.06 + i * 0.23
            figure.text(x, y[0], drawable(label, missing), fontsize=8, color=MUTED, va="top")
            figure.text(x, y[0] - 0.018, value, fontsize=15, weight="bold", color=RAG.get(rag, INK), va="top")
        y[0] -= 0.05
        heading(t("sec_since"))
        if context["since"]:
            for r in context["since"]:
                change = f"  ({r['change']})" if r["change"] else ""
                line = f"{r['label']}: {r['then']} → {r['now']}{change}"
                put(full_width(line) if lang == "zh" else line, 8.5)
        else:
            put(t("no_since"), 8.5, MUTED)
        heading(t("sec_programs"))
        for p in context["program_rows"]:
            colour = RAG.get(VERDICT.get(p["verdict_key"]), INK)
            figure.text(0.06, y[0], drawable(f"{p['id']} {p['name']}", missing), fontsize=8.5, color=INK, va="top")
            figure.text(0.52, y[0], f"{p['cost']} → {p['margin']}", fontsize=8.5, color=INK, va="top")
            figure.text(0.80, y[0], p["roi"], fontsize=8.5, color=INK, va="top", ha="right")
            figure.text(
                0.83, y[0], drawable(p["verdict"], missing), fontsize=8.5, color=colour, weight="bold", va="top"
            )
            y[0] -= 8.5 / 72 / PAGE[1] * 1.5
        heading(t("sec_problem_groups"))
        for g in context["problem_groups"][:7]:
            figure.text(0.06, y[0], drawable(g["kind"], missing), fontsize=8.5, color=INK, va="top")
            figure.text(0.52, y[0], str(g["count"]), fontsize=8.5, color=INK, va="top", ha="right")
            figure.text(0.56, y[0], g["at_stake_words"], fontsize=8.5, color=INK, va="top")
            y[0] -= 8.5 / 72 / PAGE[1] * 1.5
        if context["voice"]["competitors"]:
            heading(t("sec_voice"))
            for line in context["voice"]["competitors"][:3]:
                for part in _wrap(line, lang, 110):
                    put(part, 8.5)
        if context.get("next_period"):
            heading(t("sec_next_period"))
            for part in _wrap(context["next_period"]["line"], lang, 110):
                put(part, 8.5)
        png, pdf = io.BytesIO(), io.BytesIO()
        figure.savefig(png, format="png", dpi=150, facecolor="white", metadata={"Software": None})
        figure.savefig(pdf, format="pdf", facecolor="white", metadata={"Creator": None, "Producer": None})
    return png.getvalue(), pdf.getvalue()
