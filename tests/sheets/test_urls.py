import pytest

from leadsync.errors import InvalidUrl
from leadsync.sheets.urls import (
    REASONS,
    SheetRef,
    canonical_url,
    export_url,
    parse_sheet_url,
)

ID = "1BxiMVs0XRA5nFMdKvBdBZjgmUUqptlbs74OgvE2upms"
BASE = f"https://docs.google.com/spreadsheets/d/{ID}"

ACCEPTED = [
    (f"{BASE}/edit#gid=0", "0"),
    (f"{BASE}/edit#gid=1234567890", "1234567890"),
    (f"{BASE}/edit?gid=42#gid=42", "42"),
    (f"{BASE}/edit?usp=sharing", "0"),
    (f"{BASE}/edit?usp=drive_link#gid=7&range=A1:C4", "7"),
    (f"{BASE}/edit?gid=5", "5"),
    (f"{BASE}?gid=5", "5"),
    (f"{BASE}", "0"),
    (f"{BASE}/", "0"),
    (f"https://docs.google.com/spreadsheets/u/0/d/{ID}/edit#gid=3", "3"),
    (f"https://docs.google.com/spreadsheets/u/1/d/{ID}/htmlview", "0"),
    (f"https://docs.google.com/a/agency.example/spreadsheets/d/{ID}/edit#gid=9", "9"),
    (f"{BASE}/export?format=csv&gid=11", "11"),
    (f"{BASE}/export?format=csv", "0"),
    (f"{BASE}/htmlview#gid=4", "4"),
    (f"{BASE}/pubhtml?gid=4", "4"),
    (f"{BASE}/copy", "0"),
    (f"{BASE}/preview", "0"),
    (f"{BASE}/view#gid=2", "2"),
    (f"docs.google.com/spreadsheets/d/{ID}/edit#gid=8", "8"),
    (f"//docs.google.com/spreadsheets/d/{ID}/edit", "0"),
    (f"http://docs.google.com/spreadsheets/d/{ID}/edit#gid=1", "1"),
    (f"HTTPS://DOCS.Google.COM/spreadsheets/d/{ID}/edit#gid=1", "1"),
    (f"  {BASE}/edit#gid=6 \n", "6"),
    (f"{BASE}/edit#gid=007", "7"),
    (f"{BASE}/edit?gid=1#gid=2", "2"),  # the fragment is the tab on screen
    (ID, "0"),
    (f"  {ID}  ", "0"),
]


@pytest.mark.parametrize(("text", "gid"), ACCEPTED)
def test_accepted_forms(text: str, gid: str) -> None:
    assert parse_sheet_url(text) == SheetRef(ID, gid)


def test_short_ids_in_links_are_kept_as_typed() -> None:
    # Local fakes and demos name spreadsheets by file name.
    ref = parse_sheet_url("https://docs.google.com/spreadsheets/d/demo-leads/edit")
    assert ref == SheetRef("demo-leads", "0")


REJECTED = [
    ("", "empty"),
    ("   ", "empty"),
    (f"{BASE}/edit#gid=" + "1" * 2048, "too_long"),
    (f"https://docs.google.com/spread\tsheets/d/{ID}/edit", "control"),
    (f"https://docs.google.com/spreadsheets/d/{ID}\n/edit", "control"),
    (f"https://docs.google\u200b.com/spreadsheets/d/{ID}", "control"),
    (f"https://docs.google.com/spreadsheets/d/{ID}\x00", "control"),
    (
        "https://docs.google.com/spreadsheets/d/e/2PACX-1vQ3abcdefghijklmnopqrstuv"
        "wxyz/pubhtml",
        "published",
    ),
    ("https://docs.google.com/spreadsheets/d/e/2PACX-1vQ/pub?output=csv", "published"),
    (f"https://docs.google.com.evil.com/spreadsheets/d/{ID}", "host"),
    (f"https://evil.com/#docs.google.com/spreadsheets/d/{ID}", "host"),
    (f"https://evil.com/docs.google.com/spreadsheets/d/{ID}", "host"),
    (f"https://docs.google.com@evil.com/spreadsheets/d/{ID}", "userinfo"),
    (f"https://user:pw@docs.google.com/spreadsheets/d/{ID}", "userinfo"),
    (f"https://docs.google.co/spreadsheets/d/{ID}", "host"),
    (f"https://docs.goog1e.com/spreadsheets/d/{ID}", "host"),
    (f"https://docs.g\u043e\u043egle.com/spreadsheets/d/{ID}", "host"),  # Cyrillic o
    (f"https://xn--docs-google-abc.com/spreadsheets/d/{ID}", "host"),
    (f"https://docs.google.com\uff0fevil.com/spreadsheets/d/{ID}", "host"),
    (f"https://docs.google.com./spreadsheets/d/{ID}", "host"),
    (f"https://sheets.google.com/spreadsheets/d/{ID}", "host"),
    (f"https://drive.google.com/file/d/{ID}/view?usp=sharing", "drive"),
    (f"https://drive.google.com/open?id={ID}", "drive"),
    (f"https://docs.google.com/document/d/{ID}/edit", "other_app"),
    (f"https://docs.google.com/forms/d/{ID}/viewform", "other_app"),
    (f"https://docs.google.com/presentation/d/{ID}/edit", "other_app"),
    ("https://docs.google.com/", "not_sheet"),
    (f"https://docs.google.com/spreadsheets/{ID}", "not_sheet"),
    (f"https://docs.google.com/spreadsheets/d/{ID[:10]}%2e/edit", "bad_id"),
    (f"{BASE}/edit#gid=abc", "bad_gid"),
    (f"{BASE}/edit?gid=-1", "bad_gid"),
    (f"{BASE}/edit#gid=", "bad_gid"),
    ("file:///etc/passwd", "scheme"),
    ("javascript:alert(document.cookie)//docs.google.com", "scheme"),
    ("JavaScript:alert(1)", "scheme"),
    ("data:text/html,<script>alert(1)</script>", "scheme"),
    (f"ftp://docs.google.com/spreadsheets/d/{ID}", "scheme"),
    (f"gopher://docs.google.com/spreadsheets/d/{ID}", "scheme"),
    (f"http://127.0.0.1/spreadsheets/d/{ID}", "ip"),
    (f"http://localhost/spreadsheets/d/{ID}", "ip"),
    (f"http://169.254.169.254/spreadsheets/d/{ID}", "ip"),
    (f"http://2130706433/spreadsheets/d/{ID}", "ip"),
    (f"http://0x7f000001/spreadsheets/d/{ID}", "ip"),
    (f"http://[::1]/spreadsheets/d/{ID}", "ip"),
    (f"http://[::1/spreadsheets/d/{ID}", "host"),  # unparseable
    (f"https://docs.google.com:8443/spreadsheets/d/{ID}", "port"),
    (f"https://docs.google.com:443/spreadsheets/d/{ID}", "port"),
    (f"docs.google.com:80/spreadsheets/d/{ID}", "port"),
    ("leads sheet", "host"),
    ("1BxiMVs0XRA5", "host"),  # too short to be a bare id
]


@pytest.mark.parametrize(("text", "kind"), REJECTED)
def test_rejected_kinds(text: str, kind: str) -> None:
    with pytest.raises(InvalidUrl) as caught:
        parse_sheet_url(text)

    assert caught.value.code == "invalid_url"
    assert caught.value.message == REASONS[kind]


def test_published_message_points_at_the_address_bar() -> None:
    with pytest.raises(InvalidUrl, match="address bar instead of the one from File"):
        parse_sheet_url("https://docs.google.com/spreadsheets/d/e/2PACX-1vQ/pubhtml")


def test_drive_message_says_open_in_sheets() -> None:
    with pytest.raises(InvalidUrl, match=r"Open with > Google Sheets"):
        parse_sheet_url(f"https://drive.google.com/file/d/{ID}/view")


def test_sheet_ref_refuses_what_would_change_the_export_url() -> None:
    with pytest.raises(InvalidUrl):
        SheetRef("abc/../x", "0")
    with pytest.raises(InvalidUrl):
        SheetRef(ID, "0&format=html")


def test_export_and_canonical_urls() -> None:
    ref = SheetRef(ID, "42")

    assert export_url(ref, "http://127.0.0.1:8080/") == (
        f"http://127.0.0.1:8080/spreadsheets/d/{ID}/export?format=csv&gid=42"
    )
    assert canonical_url(ref) == f"{BASE}/edit#gid=42"
    assert parse_sheet_url(canonical_url(ref)) == ref
    assert SheetRef(ID).gid == "0"
