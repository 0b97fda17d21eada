"""/api/service-account: the agency's Google service account, for the Lead sources tab.

Customers share private sheets with its email (Viewer) instead of making them
readable by anyone with the link. Only the email is ever shown, never the key.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from leadsync.api.auth import Caller
from leadsync.api.context import Ctx
from leadsync.api.items import OPERATOR_PROBLEM
from leadsync.errors import SyncFailure
from leadsync.sheets.google_auth import service_account_email, share_instructions

router = APIRouter(prefix="/api/service-account", tags=["service account"])


@router.get("")
def service_account(ctx: Ctx, caller: Caller) -> dict[str, Any]:
    """The email to share private sheets with, and how; nulls without a key."""
    try:
        email = service_account_email(ctx.settings)
    except SyncFailure as failure:  # the key file is set but unusable
        problem = (
            OPERATOR_PROBLEM if caller.customer_id is not None else failure.message
        )
        return {"email": None, "instructions": None, "problem": problem}
    return {
        "email": email,
        "instructions": share_instructions(email) if email else None,
        "problem": None,
    }
