"""``python -m leadsync`` is the ``leadsync`` command."""

from leadsync.cli import main

main()
