"""What people type into cells is read right: numbers, percentages, dates, yes/no, lists, e-mails."""

from datetime import date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kam_xl.model.parsing import (
    ParseError,
    parse_date,
    parse_email,
    parse_emails,
    parse_int,
    parse_list,
    parse_number,
    parse_percent,
    parse_text,
    parse_yes_no,
)

FULL_WIDTH = str.maketrans("0123456789.,-%", "０１２３４５６７８９．，－％")


def grouped(number: int) -> str:
    return f"{number:,}"


@given(st.integers(min_value=-(10**12), max_value=10**12))
def test_integers_in_every_written_form(number):
    assert parse_number(number) == number
    assert parse_number(str(number)) == number
    assert parse_number(grouped(number)) == number
    assert parse_number(grouped(number).translate(FULL_WIDTH)) == number
    assert parse_number(f"  {grouped(number)}\u3000") == number


@given(st.floats(min_value=-1e9, max_value=1e9, allow_nan=False, allow_infinity=False))
def test_floats_round_trip_through_text(number):
    assert parse_number(repr(number)) == pytest.approx(number, rel=1e-12, abs=1e-12)
    assert parse_number(f"{number:,.6f}") == pytest.approx(round(number, 6), rel=1e-12, abs=1e-9)


@given(st.integers(min_value=0, max_value=100_000))
def test_percent_text_is_a_fraction(points):
    assert parse_number(f"{points}%") == pytest.approx(points / 100)
    assert parse_percent(f"{points}%") == pytest.approx(points / 100)
    assert parse_percent(f"{points}％") == pytest.approx(points / 100)


@given(st.floats(min_value=0, max_value=1, allow_nan=False))
def test_percent_numbers_pass_unchanged(fraction):
    assert parse_percent(fraction) == fraction


@given(st.text(alphabet="abcxyz!?#@_", min_size=1, max_size=8))
def test_words_are_not_numbers(word):
    with pytest.raises(ParseError):
        parse_number(word)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("¥1,200", 1200),
        ("1,200元", 1200),
        ("(50)", -50),
        ("3.5万", 35000),
        ("1e3", 1000),
        (".5", 0.5),
        ("−12", -12),
        ("１２３４", 1234),
        ("1 234", 1234),
        ("1 2 3", 123),
    ],
)
def test_number_examples(text, expected):
    if expected is None:
        with pytest.raises(ParseError):
            parse_number(text)
    else:
        assert parse_number(text) == expected


@pytest.mark.parametrize("bad", ["1,23", "12,34,567", "1.2.3", "#DIV/0!", "nan", "inf", "--1", "TRUE"])
def test_number_refusals(bad):
    with pytest.raises(ParseError):
        parse_number(bad)


def test_blank_is_none_and_bool_is_refused():
    assert parse_number(None) is None
    assert parse_number("  ") is None
    with pytest.raises(ParseError):
        parse_number(True)
    with pytest.raises(ParseError):
        parse_int("2.5")
    assert parse_int("3") == 3


dates = st.dates(min_value=date(1950, 1, 1), max_value=date(2200, 12, 31))


@given(dates)
def test_dates_in_every_written_form(day):
    forms = [
        day,
        datetime(day.year, day.month, day.day, 13, 5),
        day.isoformat(),
        f"{day.year}/{day.month}/{day.day}",
        f"{day.year}.{day.month:02d}.{day.day:02d}",
        f"{day.year}年{day.month}月{day.day}日",
        f"{day.year}{day.month:02d}{day.day:02d}",
        f" {day.isoformat()} 00:00:00 ",
        day.isoformat().translate(FULL_WIDTH),
    ]
    for form in forms:
        assert parse_date(form) == day, form


@given(dates)
def test_excel_serial_numbers(day):
    serial = (day - date(1899, 12, 30)).days
    assert parse_date(serial) == day
    assert parse_date(float(serial)) == day


@given(dates)
def test_day_month_order_is_never_guessed(day):
    text = f"{day.day:02d}/{day.month:02d}/{day.year}"
    if day.day > 12 or day.day == day.month:
        assert parse_date(text) == day
    else:
        with pytest.raises(ParseError):
            parse_date(text)


@pytest.mark.parametrize("bad", ["2026-02-30", "2026-13-01", "next week", "2026-1", "31/31/2026", True, -5])
def test_date_refusals(bad):
    with pytest.raises(ParseError):
        parse_date(bad)


def test_dates_one_day_apart_stay_apart():
    day = date(2026, 3, 1)
    assert parse_date((day + timedelta(days=1)).isoformat()) == date(2026, 3, 2)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Y", True),
        ("yes", True),
        (" 是 ", True),
        ("TRUE", True),
        (1, True),
        ("✓", True),
        ("N", False),
        ("no", False),
        ("否", False),
        ("false", False),
        (0, False),
        (None, None),
        ("", None),
    ],
)
def test_yes_no(text, expected):
    assert parse_yes_no(text) is expected


def test_yes_no_refuses_other_words():
    with pytest.raises(ParseError):
        parse_yes_no("maybe")


def test_lists_split_on_every_separator():
    assert parse_list("A, B;C") == ("A", "B", "C")
    assert parse_list("A、B，C") == ("A", "B", "C")
    assert parse_list("Department store, Mall") == ("Department store", "Mall")
    assert parse_list(None) == ()


def test_text_keeps_what_was_typed():
    assert parse_text('  =HYPERLINK("x")\u3000') == '=HYPERLINK("x")'
    assert parse_text(1001.0) == "1001"
    assert parse_text("华信（上海）") == "华信（上海）"


@pytest.mark.parametrize("good", ["a.b@example.com", "mailto:x@example.net", "王@example.com".replace("王", "wang")])
def test_emails(good):
    assert parse_email(good).endswith(("example.com", "example.net"))


@pytest.mark.parametrize("bad", ["a@b", "no at sign", "a@@example.com", "a..b@example.com", "a@example..com"])
def test_email_refusals(bad):
    with pytest.raises(ParseError):
        parse_email(bad)


@pytest.mark.parametrize(
    "typed, address",
    [
        ("王经理 <wang@example.com>", "wang@example.com"),  # as Outlook copies an address
        ('"Wang, Li" <wang@example.com>', "wang@example.com"),
        ("<li@example.com>", "li@example.com"),
        ("mailto:li@example.com", "li@example.com"),
    ],
)
def test_an_address_copied_with_its_name_is_read_as_the_address(typed, address):
    assert parse_email(typed) == address


def test_two_addresses_in_a_one_address_cell_are_said_as_such():
    with pytest.raises(ParseError, match="one e-mail address here, not 2"):
        parse_email("x@example.com，y@example.com")
    assert parse_emails('"Wang, Li" <wang@x.com>; 李 <li@y.com>，c@d.com') == ("wang@x.com", "li@y.com", "c@d.com")
