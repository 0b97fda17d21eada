"""/api/customers: admins create and edit; every key lists what it may see."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Path

from leadsync.api.auth import Caller, read_scope, require_admin
from leadsync.api.context import Ctx
from leadsync.api.items import customer_item
from leadsync.api.schemas import MAX_ID, CustomerCreate, CustomerUpdate
from leadsync.store.customer_edits import update_customer
from leadsync.store.customers import create_customer, list_customers
from leadsync.store.scope import visible_customer

router = APIRouter(prefix="/api/customers", tags=["customers"])


@router.get("")
def customers_list(ctx: Ctx, caller: Caller) -> dict[str, Any]:
    """Every customer for an admin; a customer's own key sees only its customer."""
    with ctx.sessions() as session:
        customers = list_customers(session, only=caller.customer_id)
        return {"items": [customer_item(c) for c in customers]}


@router.post("", status_code=201)
def customers_create(body: CustomerCreate, ctx: Ctx, caller: Caller) -> dict[str, Any]:
    """Create a customer (admins only); a legacy sheet URL registers that sheet."""
    require_admin(caller)
    with ctx.sessions.begin() as session:
        customer = create_customer(session, **body.model_dump())
        return customer_item(customer)


@router.patch("/{customer_id:int}")
def customers_update(
    body: CustomerUpdate,
    ctx: Ctx,
    caller: Caller,
    customer_id: int = Path(ge=1, le=MAX_ID),
) -> dict[str, Any]:
    """Change a customer's name, reading defaults or legacy sheet (admins only)."""
    with ctx.sessions.begin() as session:
        read_scope(session, caller, customer_id)  # another customer's: 404
        customer = visible_customer(session, customer_id)
        require_admin(caller)
        return customer_item(
            update_customer(session, customer, body.model_dump(exclude_unset=True))
        )
