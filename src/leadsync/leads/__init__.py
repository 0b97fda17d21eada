"""Reading a sheet: header detection, column mapping, row classification and
normalization. Pure functions, no I/O; used by the sync and by preview."""
