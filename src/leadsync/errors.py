"""One exception tree for leadsync.

Foreign errors (httpx, csv, the database) are translated at the boundary into these,
chained with ``from``. A ``SyncFailure`` carries one of the sync error codes fixed in
DESIGN.md and a message a customer can act on.
"""

from __future__ import annotations

# Codes whose cause may go away by itself: the next scheduled run retries them.
TRANSIENT_CODES = frozenset(
    {
        "rate_limited",
        "upstream_error",
        "timeout",
        "truncated_download",
        "worker_lost",
        "sheet_still_loading",
    }
)

MESSAGES: dict[str, str] = {
    "invalid_url": (
        "This is not a Google Sheets link we can read. Paste the link from the "
        "browser's address bar while the sheet is open "
        "(docs.google.com/spreadsheets/d/...)."
    ),
    "sheet_not_public": (
        "Google asked for a sign-in instead of giving the sheet. In Google Sheets, "
        'click Share and set General access to "Anyone with the link" (Viewer).'
    ),
    "sheet_not_found": (
        "Google says this spreadsheet does not exist. It may have been deleted or the "
        "link is mistyped: open it in the browser and paste its link again."
    ),
    "tab_not_found": (
        "The spreadsheet exists but the tab in the link does not (it may have been "
        "deleted). Open the tab with the leads and paste its link again."
    ),
    "rate_limited": (
        "Google is limiting how often this sheet can be downloaded. Nothing was "
        "changed; leadsync will try again automatically."
    ),
    "upstream_error": (
        "Google answered with an error. Nothing was changed; leadsync will try again "
        "automatically."
    ),
    "timeout": (
        "Google took too long to send the sheet. Nothing was changed; leadsync will "
        "try again automatically."
    ),
    "too_large": (
        "The sheet is larger than this leadsync allows. Move old rows to another tab "
        "or ask your administrator to raise LEADSYNC_MAX_SHEET_BYTES."
    ),
    "truncated_download": (
        "The download was cut off before the end. Nothing was changed; leadsync will "
        "try again at the next run."
    ),
    "invalid_format": (
        "This is not a CSV export of a Google Sheet (wrong encoding or format). Import "
        "the file into Google Sheets and register that sheet instead."
    ),
    "required_columns_missing": (
        "No column of this tab holds emails or phone numbers, so no leads can be "
        "read. Check that the link points at the tab with the leads, or name the "
        "email or phone column (the Preview on the Lead sources tab, or the "
        "sheet's column map)."
    ),
    "sheet_still_loading": (
        "Google exported this sheet while its formulas were still calculating "
        '(cells said "Loading..."). Nothing was changed; leadsync will read it '
        "again shortly, and as it is if the formulas never finish."
    ),
    "empty_snapshot_refused": (
        "The sheet came back with no rows although it had leads before. Nothing was "
        "changed; if the rows were really removed on purpose, leads stay stored."
    ),
    "worker_lost": (
        "The worker running this sync stopped before it finished. Nothing was "
        "changed; the sheet will be synced again."
    ),
    "auth_failed": (
        "Google refused the service account's key. An administrator must check "
        "GOOGLE_SERVICE_ACCOUNT_FILE."
    ),
    "internal_error": (
        "leadsync hit an unexpected error while syncing. Nothing was changed; the "
        "sheet will be synced again."
    ),
}


class LeadsyncError(Exception):
    """Root of every error leadsync raises on purpose."""

    code = "error"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code


class InvalidInput(LeadsyncError):
    """Input from a person (a link, a setting) that cannot be used."""

    code = "invalid_input"


class InvalidUrl(InvalidInput):
    code = "invalid_url"


class NotFound(LeadsyncError):
    code = "not_found"


class Conflict(LeadsyncError):
    code = "conflict"


class SyncFailure(LeadsyncError):
    """A sync run that ends without applying its snapshot."""

    def __init__(
        self,
        code: str,
        message: str | None = None,
        *,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message or MESSAGES.get(code, code), code=code)
        self.retry_after = retry_after

    @property
    def transient(self) -> bool:
        return self.code in TRANSIENT_CODES
