"""The remembered reading of typed cells (model.entries.normalise, parsing.is_blank) gives exactly what the rule
of each kind of field gives (model.entries.read_value, parsing.clean_text), asked once or many times."""

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from kam_xl.lang.words import ENUMS, LANGUAGES, enum_label
from kam_xl.model import entries as E
from kam_xl.model import parsing as P

KEYS = [
    ("week", "2026-W01", "units"),
    ("week", "2026-W01", "display"),
    ("week", "2026-W01", "comment"),
    ("program", "P01", "status"),
    ("program", "P01", "done_on"),
    ("action", 1, "owner"),
    ("action", 1, "status"),
    ("agreed",),
]
LABELS = sorted(
    {enum_label(kind, key, lang) for kind in ("yes_no", "program_status", "action_status", "owner")
     for key in ENUMS[kind] for lang in LANGUAGES}
)  # fmt: skip
TYPED = st.one_of(
    st.sampled_from(LABELS + ["Y", "n", " yes ", "是", "✓", "1", "0", "2026-03-01", "2026/3/1", "03/04/2026"]),
    st.sampled_from(LABELS).map(lambda label: f"\u3000{label.upper()} "),
    st.text(alphabet=st.sampled_from(list("0123456789,.-%¥元万 yesnoYN\u3000\u00a0/年月日")), max_size=12),
    st.text(max_size=8),
)


def _outcome(read, key, raw):
    try:
        return ("value", read(key, raw))
    except P.ParseError as exc:
        return ("error", str(exc))


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(KEYS), TYPED)
def test_remembered_reading_is_the_rule(key, raw):
    expected = _outcome(E.read_value, key, raw)
    for _ in range(3):  # first time (computed and remembered), then remembered
        got = _outcome(E.normalise, key, raw)
        assert got == expected
        assert type(got[1]) is type(expected[1])


@settings(max_examples=400, deadline=None)
@given(st.one_of(st.text(max_size=10), st.text(alphabet=" \t\u3000\u00a0\u200b\ufeff\u2003x", max_size=80)))
def test_remembered_blank_is_the_rule(text):
    for _ in range(2):
        assert P.is_blank(text) == (P.clean_text(text) == "")


def test_a_full_memory_starts_again_and_stays_right(monkeypatch):
    monkeypatch.setattr(E, "MEMO_SIZE", 4)
    key = ("program", "P01", "done_on")
    for day in range(1, 20):
        assert E.normalise(key, f"2026-01-{day:02d}") == date(2026, 1, day)
    assert len(E._MEMO) <= 4
