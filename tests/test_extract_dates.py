"""Tests for crawler.extract.dates: every date format seen on the union sites."""

import pytest

from crawler.extract.dates import parse_vn_datetime

CASES = [
    ("15:51 | 09/08/2021", "2021-08-09T15:51:00+07:00"),
    ("(15:51 | 09/08/2021)", "2021-08-09T15:51:00+07:00"),
    ("12:18 28/09/2021", "2021-09-28T12:18:00+07:00"),
    ("22/09/2022 17:45", "2022-09-22T17:45:00+07:00"),
    ("09/12/2023 - 15:21", "2023-12-09T15:21:00+07:00"),
    ("Thứ bảy 09/12/2023 15:21", "2023-12-09T15:21:00+07:00"),
    ("Thứ hai, 28/9/2021, 12:18 (GMT+7)", "2021-09-28T12:18:00+07:00"),
    ("Thứ hai, 28/9/2021, 12:18 (GMT+9)", "2021-09-28T10:18:00+07:00"),
    ("18.04.2014", "2014-04-18"),
    ("Theo kiengiang.gov.vn | 18.04.2014", "2014-04-18"),
    ("Cập nhật: 10:00 08/11/2020", "2020-11-08T10:00:00+07:00"),
    ("Cập nhật: 08/11/2020", "2020-11-08"),
    ("Cập nhật lúc 03:36 ngày 10/10/2015", "2015-10-10T03:36:00+07:00"),
    ("Ngày 28 tháng 9 năm 2021", "2021-09-28"),
    ("ngày 5 tháng 11 năm 2020 lúc 08:05", "2020-11-05T08:05:00+07:00"),
    ("1-12-2020", "2020-12-01"),
    ("9:30 CH 01/05/2022", "2022-05-01T21:30:00+07:00"),
    ("2021-08-09T15:51:00+07:00", "2021-08-09T15:51:00+07:00"),
    ("2021-08-09T08:51:00Z", "2021-08-09T15:51:00+07:00"),
    ("2021-08-09T10:51:00+02:00", "2021-08-09T15:51:00+07:00"),
    ("2021-08-09T15:51:00.123+0700", "2021-08-09T15:51:00+07:00"),
    ("2021-08-09T15:51:00", "2021-08-09T15:51:00+07:00"),
    ("2021-08-09 15:51", "2021-08-09T15:51:00+07:00"),
    ("2021-08-09", "2021-08-09"),
    ("\u00a012:18\u00a028/09/2021\u00a0", "2021-09-28T12:18:00+07:00"),
]


@pytest.mark.parametrize("text,expected", CASES)
def test_formats(text, expected):
    assert parse_vn_datetime(text) == expected


@pytest.mark.parametrize("text,expected", [
    ("10:00 08/11/2020", "2020-11-08T10:00:00+07:00"),   # not 11 August
    ("03/04/2021", "2021-04-03"),
    ("12/01/2022 09:00", "2022-01-12T09:00:00+07:00"),
])
def test_day_first(text, expected):
    assert parse_vn_datetime(text) == expected


@pytest.mark.parametrize("text", [
    "31/02/2021", "30.02.2020", "00/01/2021", "15/13/2021", "tháng năm", "Tháng Năm rực rỡ",
    "ngày tháng năm", "", None, "Số lần đọc: 1390", "29/02/2021",
])
def test_rejects(text):
    assert parse_vn_datetime(text) is None


def test_impossible_first_date_skipped_for_next_valid():
    assert parse_vn_datetime("31/02/2021 hoặc 01/03/2021") == "2021-03-01"


def test_impossible_time_keeps_valid_date():
    assert parse_vn_datetime("25:00 01/05/2022") == "2022-05-01"


def test_first_date_in_text_wins():
    assert parse_vn_datetime("Đăng 09/08/2021 15:51 - Cập nhật 10/08/2021 08:00") == "2021-08-09T15:51:00+07:00"


def test_other_default_tz():
    assert parse_vn_datetime("2021-08-09T08:51:00Z", default_tz="+00:00") == "2021-08-09T08:51:00+00:00"


def test_leap_day():
    assert parse_vn_datetime("29/02/2024") == "2024-02-29"
