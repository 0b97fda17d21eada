"""Reading a sheet: header detection, column mapping, row classification and
normalization. Pure functions, no I/O; used by the sync and by preview."""

from leadsync.leads.settings import settings_from_dict

settings_from_case = settings_from_dict

__all__ = ["settings_from_case", "settings_from_dict"]
