"""Tests of kam_xl.storetabs.names: store tab names are valid Excel sheet names, unique and stable."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kam_xl.storetabs.names import (
    MAX_LEN,
    derived_name,
    graphemes,
    is_valid_sheet_name,
    shorten,
    tab_names,
    utf16_len,
)

FAST = settings(max_examples=150, deadline=None)

FAMILY = "👨\u200d👩\u200d👧\u200d👦"  # ZWJ family: 4 emoji + 3 joiners = 11 UTF-16 units
THUMB = "👍🏽"  # emoji + skin-tone modifier = 4 units
FLAG = "🇨🇳"


def keys(name: str) -> tuple[str, str]:
    return name.casefold(), unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", name).casefold())


def assert_good(names: dict[str, str], reserved=()) -> None:
    seen_case, seen_nfkc = set(), set()
    banned = {keys(r)[0] for r in ("History", *reserved)} | {keys(r)[1] for r in ("History", *reserved)}
    for name in names.values():
        assert is_valid_sheet_name(name), name
        case, nfkc = keys(name)
        assert case not in seen_case and nfkc not in seen_nfkc, name
        assert case not in banned and nfkc not in banned, name
        seen_case.add(case)
        seen_nfkc.add(nfkc)


# ---------------------------------------------------------------------------
# Examples
# ---------------------------------------------------------------------------


def test_plain_and_cjk_names():
    names = tab_names([("S001", "Beijing Wangfujing"), ("S002", "北京王府井店")])
    assert names == {"S001": "S001 Beijing Wangfujing", "S002": "S002 北京王府井店"}


def test_is_valid_sheet_name():
    assert is_valid_sheet_name("S001 北京")
    assert is_valid_sheet_name("a" * 31)
    assert is_valid_sheet_name("😀" * 15)  # 30 units
    assert not is_valid_sheet_name("😀" * 16)  # 32 units
    assert not is_valid_sheet_name("a" * 32)
    for bad in (
        "",
        "   ",
        "'a",
        "a'",
        "a[b",
        "a]b",
        "a:b",
        "a*b",
        "a?b",
        "a/b",
        "a\\b",
        "a\nb",
        "a\x00b",
        "History",
        "HISTORY",
    ):
        assert not is_valid_sheet_name(bad), repr(bad)
    assert is_valid_sheet_name("Joe's shop")


def test_long_name_is_cut_to_31_keeping_the_id():
    name = tab_names([("S001", "A very long store name in a big shopping mall")])["S001"]
    assert name == "S001 A very long store name in"
    assert len(name) <= MAX_LEN


def test_forbidden_characters_become_full_width():
    name = tab_names([("S1", "A/B [x]: *?\\")])["S1"]
    assert name == "S1 A／B ［x］： ＊？＼"


def test_controls_and_whitespace():
    assert derived_name("S1", "Line1\nLine2\t\tx") == "S1 Line1 Line2 x"
    assert derived_name("S1", "a\x01b") == "S1 a_b"


def test_apostrophes_and_blank():
    assert tab_names([("'S1'", "'Shop'")]) == {"'S1'": "S1' 'Shop"}
    assert tab_names([("", "")]) == {"": "Store"}
    assert tab_names([("'", "' '")]) == {"'": "Store"}


def test_case_clash_gets_suffix():
    names = tab_names([("S1", "Shop"), ("s1", "shop")])
    assert names == {"S1": "S1 Shop", "s1": "s1 shop~2"}


def test_nfkc_clash_gets_suffix():
    names = tab_names([("S1", "ＡＢＣ"), ("S1 ", "abc")])
    assert names["S1"] == "S1 ＡＢＣ"
    assert names["S1 "] == "S1 abc~2"


def test_truncation_clash_keeps_31():
    long = "Wanda Plaza Shopping Centre Branch No. "
    names = tab_names([("S1", long + "1"), ("S1x", "x"), ("S1 ", long + "2")])
    assert names["S1"] == "S1 Wanda Plaza Shopping Centre"
    assert names["S1 "] == "S1 Wanda Plaza Shopping Centr~2"  # 29 units + "~2"
    assert all(utf16_len(n) <= MAX_LEN for n in names.values())


def test_history_and_reserved():
    names = tab_names([("History", ""), ("README", ""), ("S1", "")], reserved=["README", "Stores"])
    assert names == {"History": "History~2", "README": "README~2", "S1": "S1"}


def test_long_id_is_cut():
    sid = "X" * 40
    assert tab_names([(sid, "Shop")])[sid] == "X" * 31


def test_emoji_are_never_split():
    # 28 units of text then a family of 11 units: the family is dropped as a whole
    assert derived_name("S1", "a" * 25 + FAMILY) == "S1 " + "a" * 25
    assert derived_name("S1", "a" * 24 + THUMB) == "S1 " + "a" * 24 + THUMB  # exactly 31
    assert derived_name("S1", "a" * 25 + THUMB) == "S1 " + "a" * 25  # modifier not orphaned
    assert derived_name("S1", "a" * 25 + FLAG) == "S1 " + "a" * 25
    assert derived_name("S1", "a" * 26 + "e\u0301") == "S1 " + "a" * 26 + "e\u0301"
    assert derived_name("S1", "a" * 27 + "e\u0301") == "S1 " + "a" * 27  # no orphan accent


def test_graphemes():
    assert graphemes("a" + FAMILY + THUMB + FLAG + FLAG + "e\u0301") == [
        "a",
        FAMILY,
        THUMB,
        FLAG,
        FLAG,
        "e\u0301",
    ]
    assert graphemes("1\ufe0f\u20e3x") == ["1\ufe0f\u20e3", "x"]
    assert shorten("😀😀", 3) == "😀"


def test_existing_names_are_kept_when_still_derived():
    stores = [("S1", "Shop"), ("S2", "Other")]
    # S1 had clashed before and got ~3: keep it, even though "S1 Shop" is now free
    names = tab_names(stores, existing={"S1": "S1 Shop~3", "S2": "S2 Other"})
    assert names == {"S1": "S1 Shop~3", "S2": "S2 Other"}


def test_existing_name_follows_a_renamed_store():
    names = tab_names([("S1", "New name")], existing={"S1": "S1 Old name"})
    assert names == {"S1": "S1 New name"}


def test_existing_invalid_or_clashing_names_are_replaced():
    # both claim "s1 shop": only s1 derives it, so s1 keeps it and S1 gets a fresh name
    names = tab_names([("S1", "Shop"), ("s1", "shop")], existing={"S1": "s1 shop", "s1": "s1 shop"})
    assert names == {"S1": "S1 Shop~2", "s1": "s1 shop"}
    names = tab_names([("S1", "Shop")], existing={"S1": "S1 Shop~x"}, reserved=["S1 Shop"])
    assert names == {"S1": "S1 Shop~2"}
    names = tab_names([("S1", "Shop")], existing={"S1": "S1 Shop~2"}, reserved=["S1 SHOP~2"])
    assert names == {"S1": "S1 Shop"}


def test_duplicate_ids_are_refused():
    with pytest.raises(ValueError):
        tab_names([("S1", "a"), ("S1", "b")])


# ---------------------------------------------------------------------------
# Properties
# ---------------------------------------------------------------------------

PIECES = [
    "北京",
    "王府井",
    "上海徐家汇",
    "店",
    "旗舰店",
    "A",
    "a",
    "B",
    "Shop",
    "SHOP",
    "shop",
    " ",
    "  ",
    "'",
    "''",
    "[",
    "]",
    ":",
    "*",
    "?",
    "/",
    "\\",
    "\n",
    "\t",
    "\x00",
    "\x7f",
    "~2",
    "History",
    "😀",
    THUMB,
    "👋🏿",
    FAMILY,
    "👩\u200d💻",
    FLAG,
    "🏴\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f",
    "e\u0301",
    "\u0301",
    "1\ufe0f\u20e3",
    "❤\ufe0f",
    "ＡＢＣ",
    "ﬁ",
    "ß",
    "SS",
    "\u3000",
    "x" * 40,
]
names_text = st.one_of(
    st.lists(st.sampled_from(PIECES), max_size=40).map("".join),
    st.text(max_size=60),
    st.text(alphabet=st.sampled_from("aAbB'[ 😀"), min_size=150, max_size=200),
)
ids_text = st.one_of(
    st.from_regex(r"[A-Z]{0,2}[0-9]{1,5}", fullmatch=True),
    st.text(min_size=0, max_size=45),
    st.lists(st.sampled_from(PIECES), max_size=6).map("".join),
)
store_lists = st.lists(st.tuples(ids_text, names_text), max_size=25, unique_by=lambda s: s[0])


@FAST
@given(
    store_lists,
    st.lists(st.sampled_from(["README", "Stores", "history", "S1 Shop", "_meta"]), max_size=3),
)
def test_names_are_valid_unique_and_deterministic(stores, reserved):
    names = tab_names(stores, reserved=reserved)
    assert list(names) == [sid for sid, _ in stores]
    assert_good(names, reserved)
    assert tab_names(list(stores), reserved=list(reserved)) == names


@FAST
@given(store_lists, st.data())
def test_existing_names_never_break_the_rules(stores, data):
    first = tab_names(stores)
    existing = {}
    for sid, _ in stores:  # a mix of current names, junk and other stores' names
        existing[sid] = data.draw(
            st.one_of(
                st.just(first[sid]),
                names_text,
                st.sampled_from(list(first.values()) or ["x"]),
            )
        )
    names = tab_names(stores, existing=existing)
    assert_good(names)
    assert tab_names(stores, existing=existing) == names
    assert tab_names(stores, existing=first) == first  # regeneration keeps every name


@FAST
@given(names_text, st.integers(1, MAX_LEN))
def test_shorten_cuts_at_grapheme_boundaries(text, limit):
    cut = shorten(text, limit)
    assert utf16_len(cut) <= limit
    assert text.startswith(cut)
    clusters = graphemes(text)
    assert graphemes(cut) == clusters[: len(graphemes(cut))]
    kept = len(graphemes(cut))  # the longest such prefix: the next cluster would not fit
    assert kept == len(clusters) or utf16_len(cut + clusters[kept]) > limit


@FAST
@given(st.text(st.characters(codec="ascii"), max_size=80) | names_text, st.integers(0, 80))
def test_shorten_is_the_longest_prefix_of_whole_clusters(text, limit):
    out, used = "", 0
    for cluster in graphemes(text):  # the definition, cluster by cluster
        used += utf16_len(cluster)
        if used > limit:
            break
        out += cluster
    assert shorten(text, limit) == out
