"""Which identity reads a sheet: its link (anonymous) or the agency's service account.

A sheet's ``access_mode`` says which to use: ``link`` (anonymous only),
``service_account`` (the service account's token only) or ``auto`` (anonymous
first, then the service account when Google asks for a sign-in and a key is
configured). The answer says who read the sheet, for the sync state.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx

from leadsync.config import Settings
from leadsync.errors import MESSAGES, SyncFailure
from leadsync.sheets import google_auth
from leadsync.sheets.fetch import Download, download_sheet
from leadsync.sheets.urls import SheetRef

ACCESS_MODES = ("auto", "link", "service_account")
LINK = "link"
SERVICE_ACCOUNT = "service_account"


def fetch_sheet(
    ref: SheetRef,
    settings: Settings,
    mode: str = "auto",
    *,
    client: httpx.Client | None = None,
    prefer: str | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> tuple[Download, str]:
    """Download ``ref`` as ``mode`` allows; answer the download and who read it.

    ``prefer`` is who read the sheet last time: an ``auto`` sheet that needed the
    service account then asks with it first, saving an anonymous request.
    """
    if mode not in ACCESS_MODES:
        raise ValueError(f"unknown access mode {mode!r}")
    order = _identities(settings, mode, prefer)
    refused: SyncFailure | None = None
    for identity in order:
        try:
            return _download(ref, settings, identity, client, sleep), identity
        except SyncFailure as failure:
            if not _refused(failure, identity, len(order) > 1):
                raise
            refused = failure
    assert refused is not None
    if SERVICE_ACCOUNT not in order:
        raise refused
    raise _not_shared(settings) from refused


def _identities(settings: Settings, mode: str, prefer: str | None) -> list[str]:
    if mode == LINK or (mode == "auto" and not google_auth.is_configured(settings)):
        return [LINK]
    if mode == SERVICE_ACCOUNT:
        return [SERVICE_ACCOUNT]
    if prefer == SERVICE_ACCOUNT:
        return [SERVICE_ACCOUNT, LINK]
    return [LINK, SERVICE_ACCOUNT]


def _refused(failure: SyncFailure, identity: str, may_try_other: bool) -> bool:
    """Did Google refuse this identity, rather than fail for everyone?"""
    if failure.code == "sheet_not_public":
        return True
    # Google hides a private sheet from an account it is not shared with: a 404
    # for the service account is "not shared" when the link says "sign in", and
    # "deleted" when the link says so too.
    return (
        identity == SERVICE_ACCOUNT
        and failure.code == "sheet_not_found"
        and may_try_other
    )


def _download(
    ref: SheetRef,
    settings: Settings,
    identity: str,
    client: httpx.Client | None,
    sleep: Callable[[float], None],
) -> Download:
    if identity == LINK:
        return download_sheet(ref, settings, client=client, sleep=sleep)
    token = google_auth.access_token(settings)
    try:
        return _with_token(ref, settings, token, client, sleep)
    except SyncFailure as failure:
        if failure.code != "auth_failed":
            raise
    # Google refused a cached token (revoked since): one try with a fresh one.
    google_auth.forget_token(settings)
    token = google_auth.access_token(settings)
    return _with_token(ref, settings, token, client, sleep)


def _with_token(
    ref: SheetRef,
    settings: Settings,
    token: str,
    client: httpx.Client | None,
    sleep: Callable[[float], None],
) -> Download:
    headers = {"Authorization": f"Bearer {token}"}
    return download_sheet(
        ref, settings, client=client, sleep=sleep, auth_headers=headers
    )


def _not_shared(settings: Settings) -> SyncFailure:
    email = google_auth.service_account_email(settings)
    if email is None:
        return SyncFailure("sheet_not_public", MESSAGES["sheet_not_public"])
    return SyncFailure(
        "sheet_not_public",
        "Google would not give this sheet to the agency's service account. "
        + google_auth.share_instructions(email),
    )
