"""Reading private sheets as the agency's service account, against the fake Google."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from leadsync.config import Settings
from leadsync.errors import MESSAGES, SyncFailure
from leadsync.sheets import google_auth
from leadsync.sheets.access import fetch_sheet
from leadsync.sheets.fake import FakeGoogle
from leadsync.sheets.urls import SheetRef
from tests.service_account import EMAIL, KeyFile, make_key_file

CSV = b"Full name,Email,Phone\nAda Lovelace,ada@example.com,+44 20 7946 0000\n"
SHEET = SheetRef("private-leads", "0")


@pytest.fixture
def key(tmp_path: Path, fake: FakeGoogle) -> KeyFile:
    return make_key_file(tmp_path, fake)


def _read(settings: Settings, mode: str = "auto", **kw: str) -> tuple[bytes, str]:
    download, identity = fetch_sheet(SHEET, settings, mode, **kw)
    with download:
        return download.body.read(), identity


def _failure(settings: Settings, mode: str = "auto") -> SyncFailure:
    with pytest.raises(SyncFailure) as caught:
        fetch_sheet(SHEET, settings, mode)
    return caught.value


def _bearers(fake: FakeGoogle) -> list[str | None]:
    """The Authorization header of each export request, in order."""
    return [
        headers.get("Authorization")
        for method, path, headers in fake.requests
        if method == "GET" and "/export" in path
    ]


def test_a_private_sheet_without_a_key_is_not_public(
    fake: FakeGoogle, settings: Settings
) -> None:
    fake.put(SHEET.spreadsheet_id, "0", CSV, mode="shared_with_sa", shared_with=[EMAIL])

    result = _failure(settings)

    assert result.code == "sheet_not_public"
    assert result.message == MESSAGES["sheet_not_public"]
    assert fake.oauth.token_requests == 0


def test_a_sheet_shared_with_the_service_account_is_read_with_its_token(
    fake: FakeGoogle, settings: Settings, key: KeyFile
) -> None:
    fake.put(SHEET.spreadsheet_id, "0", CSV, mode="shared_with_sa", shared_with=[EMAIL])

    body, identity = _read(key.settings(settings))

    assert (body, identity) == (CSV, "service_account")
    bearers = _bearers(fake)
    assert bearers[0] is None  # anonymous first: the link may be enough
    assert bearers[1] is not None and bearers[1].startswith("Bearer ya29.fake-")
    assert fake.oauth.token_requests == 1


def test_a_sheet_not_shared_with_it_names_the_email_to_share_with(
    fake: FakeGoogle, settings: Settings, key: KeyFile
) -> None:
    other = "someone-else@project.iam.gserviceaccount.com"
    fake.put(SHEET.spreadsheet_id, "0", CSV, mode="shared_with_sa", shared_with=[other])

    result = _failure(key.settings(settings))

    assert result.code == "sheet_not_public"
    assert (
        f"Share the sheet with {EMAIL} as Viewer, or set General access to "
        '"Anyone with the link".'
    ) in result.message


def test_a_link_shared_sheet_never_asks_for_a_token(
    fake: FakeGoogle, settings: Settings, key: KeyFile
) -> None:
    fake.put(SHEET.spreadsheet_id, "0", CSV)

    assert _read(key.settings(settings)) == (CSV, "link")
    assert _read(key.settings(settings), "link") == (CSV, "link")
    assert fake.oauth.token_requests == 0
    assert _bearers(fake) == [None, None]


def test_link_mode_never_uses_the_service_account(
    fake: FakeGoogle, settings: Settings, key: KeyFile
) -> None:
    fake.put(SHEET.spreadsheet_id, "0", CSV, mode="shared_with_sa", shared_with=[EMAIL])

    result = _failure(key.settings(settings), "link")

    assert (result.code, result.message) == (
        "sheet_not_public",
        MESSAGES["sheet_not_public"],
    )
    assert fake.oauth.token_requests == 0


def test_service_account_mode_asks_with_the_token_only(
    fake: FakeGoogle, settings: Settings, key: KeyFile
) -> None:
    fake.put(SHEET.spreadsheet_id, "0", CSV)

    assert _read(key.settings(settings), "service_account") == (
        CSV,
        "service_account",
    )
    assert len(_bearers(fake)) == 1 and _bearers(fake)[0] is not None


def test_service_account_mode_without_a_key_is_an_operator_problem(
    fake: FakeGoogle, settings: Settings
) -> None:
    fake.put(SHEET.spreadsheet_id, "0", CSV)

    result = _failure(settings, "service_account")

    assert result.code == "auth_failed"
    assert "GOOGLE_SERVICE_ACCOUNT_FILE is not set" in result.message
    assert fake.hits(SHEET.spreadsheet_id) == 0


def test_a_sheet_read_privately_last_time_is_asked_with_the_token_first(
    fake: FakeGoogle, settings: Settings, key: KeyFile
) -> None:
    fake.put(SHEET.spreadsheet_id, "0", CSV, mode="shared_with_sa", shared_with=[EMAIL])

    _body, identity = _read(key.settings(settings), prefer="service_account")

    assert identity == "service_account"
    assert len(_bearers(fake)) == 1


def test_a_key_google_refuses_is_auth_failed(
    fake: FakeGoogle, settings: Settings, key: KeyFile
) -> None:
    fake.put(SHEET.spreadsheet_id, "0", CSV, mode="shared_with_sa", shared_with=[EMAIL])
    fake.oauth.refuse(EMAIL)

    result = _failure(key.settings(settings))

    assert result.code == "auth_failed"
    assert not result.transient
    assert EMAIL in result.message and "invalid_grant" in result.message
    assert str(key.path) in result.message
    assert not any(secret in result.message for secret in key.secrets())


def test_a_key_signed_with_another_private_key_is_refused(
    tmp_path: Path, fake: FakeGoogle, settings: Settings
) -> None:
    key = make_key_file(tmp_path, fake, other_key=True)
    fake.put(SHEET.spreadsheet_id, "0", CSV, mode="shared_with_sa", shared_with=[EMAIL])

    assert _failure(key.settings(settings)).code == "auth_failed"


def test_a_revoked_token_is_replaced_once(
    fake: FakeGoogle, settings: Settings, key: KeyFile
) -> None:
    fake.put(SHEET.spreadsheet_id, "0", CSV, mode="shared_with_sa", shared_with=[EMAIL])
    assert _read(key.settings(settings))[1] == "service_account"
    fake.oauth.revoke_tokens()  # the cached token now answers 401

    assert _read(key.settings(settings), "service_account")[0] == CSV
    assert fake.oauth.token_requests == 2


def test_an_unreachable_token_endpoint_is_transient(
    tmp_path: Path, fake: FakeGoogle, settings: Settings
) -> None:
    key = make_key_file(tmp_path, fake)
    info = json.loads(key.path.read_text())
    info["token_uri"] = "http://127.0.0.1:9/token"  # loopback, nothing listens
    key.path.write_text(json.dumps(info))
    fake.put(SHEET.spreadsheet_id, "0", CSV)

    result = _failure(key.settings(settings), "service_account")

    assert result.code == "upstream_error" and result.transient


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (None, "cannot be read"),
        ("{not json", "is not JSON"),
        ('{"type": "service_account"}', "missing fields"),
    ],
)
def test_a_broken_key_file_names_the_file(
    tmp_path: Path, settings: Settings, content: str | None, says: str
) -> None:
    path = tmp_path / "key.json"
    if content is not None:
        path.write_text(content)
    broken = Settings(google_service_account_file=str(path))

    with pytest.raises(SyncFailure) as caught:
        google_auth.service_account_email(broken)

    assert caught.value.code == "auth_failed"
    assert str(path) in caught.value.message and says in caught.value.message


def test_an_unreadable_private_key_is_not_quoted(
    tmp_path: Path, fake: FakeGoogle, key: KeyFile
) -> None:
    info = json.loads(key.path.read_text())
    garbage = (
        "-----BEGIN PRIVATE KEY-----\nTOPSECRETbutbroken\n-----END PRIVATE KEY-----"
    )
    info["private_key"] = garbage
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(info))

    with pytest.raises(SyncFailure) as caught:
        google_auth.service_account_email(
            Settings(google_service_account_file=str(path))
        )

    assert caught.value.code == "auth_failed"
    assert "private_key cannot be read" in caught.value.message
    assert "TOPSECRET" not in caught.value.message


def test_the_email_comes_from_the_key_file(settings: Settings, key: KeyFile) -> None:
    assert google_auth.service_account_email(settings) is None
    assert google_auth.service_account_email(key.settings(settings)) == EMAIL


def test_one_token_serves_many_sheets(
    fake: FakeGoogle, settings: Settings, key: KeyFile
) -> None:
    for n in range(5):
        fake.put(f"private-{n}", "0", CSV, mode="shared_with_sa", shared_with=[EMAIL])

    for n in range(5):
        download, identity = fetch_sheet(
            SheetRef(f"private-{n}", "0"), key.settings(settings)
        )
        download.close()
        assert identity == "service_account"

    assert fake.oauth.token_requests == 1


def test_a_short_lived_token_is_replaced_before_it_expires(
    fake: FakeGoogle, settings: Settings, key: KeyFile
) -> None:
    fake.put(SHEET.spreadsheet_id, "0", CSV, mode="shared_with_sa", shared_with=[EMAIL])
    # Shorter than the refresh margin: never good enough to reuse.
    fake.oauth.token_lifetime = int(google_auth.REFRESH_MARGIN_SECONDS) - 60

    for _ in range(3):
        assert _read(key.settings(settings), "service_account")[1] == "service_account"

    assert fake.oauth.token_requests == 3


def test_tokens_are_reused_until_the_margin_before_expiry(
    fake: FakeGoogle, key: KeyFile
) -> None:
    now = [1000.0]
    cache = google_auth.TokenCache(clock=lambda: now[0])
    path = str(key.path)
    first = cache.token(path)

    now[0] += 3600 - google_auth.REFRESH_MARGIN_SECONDS - 5
    assert cache.token(path) == first
    assert fake.oauth.token_requests == 1

    now[0] += 10
    assert cache.token(path) != first
    assert fake.oauth.token_requests == 2


def test_concurrent_sheets_share_one_token_request(
    fake: FakeGoogle, key: KeyFile
) -> None:
    cache = google_auth.TokenCache()
    with ThreadPoolExecutor(8) as pool:
        tokens = set(pool.map(lambda _: cache.token(str(key.path)), range(16)))

    assert len(tokens) == 1
    assert fake.oauth.token_requests == 1
