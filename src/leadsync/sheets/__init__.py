"""sheets layer: Sheets link parsing and CSV download (see DESIGN.md).

``FakeGoogle`` lives in ``leadsync.sheets.fake`` and is imported from there, so the
service never loads the test server.
"""

from leadsync.sheets.fetch import Download, download_sheet
from leadsync.sheets.urls import SheetRef, canonical_url, export_url, parse_sheet_url

__all__ = [
    "Download",
    "SheetRef",
    "canonical_url",
    "download_sheet",
    "export_url",
    "parse_sheet_url",
]
