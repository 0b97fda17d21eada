"""leadsync: keep an agency's leads in sync with its customers' Google Sheets."""

__version__ = "0.1.0"
