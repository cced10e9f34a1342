"""``/mydata``: everything stored about a member, as one JSON document.

The document holds the member row and, table by table, every row that refers to the member
(found from the schema, so tables added later are included without a change here). A few
columns are left out because they are not the member's data: the hash of a link code (a
credential), and the parts of a proposed decision that belong to others (per-member weights).
"""

from __future__ import annotations

import base64
import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.members.models import Member
from core.members.references import member_references

FORMAT_VERSION = 1
# Columns never exported, as "table.column".
WITHHELD = frozenset({"link_codes.code_hash", "decisions.weight_overrides", "decisions.outcome"})


def _value(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes):
        return {"base64": base64.b64encode(value).decode("ascii")}
    if isinstance(value, Decimal):
        return str(value)
    return value


def _row(table: Table, row: Any) -> dict[str, Any]:
    mapping = row._mapping
    return {
        column.name: _value(mapping[column])
        for column in table.columns
        if f"{table.name}.{column.name}" not in WITHHELD
    }


async def member_data(session: AsyncSession, member_id: int, now: datetime) -> dict[str, Any]:
    """Everything stored about a member, ready for ``json.dumps``.

    Args:
        session: The unit of work.
        member_id: Whose data.
        now: The time of the export (written into it).
    """
    members = Member.__table__
    assert isinstance(members, Table)
    member = (await session.execute(select(members).where(members.c.id == member_id))).one()
    tables: dict[str, list[dict[str, Any]]] = {}
    for reference in member_references():
        table = reference.table
        primary = list(table.primary_key.columns)
        rows = await session.execute(
            select(table).where(reference.column == member_id).order_by(*primary)
        )
        found = [{"refers_by": reference.column.name, **_row(table, r)} for r in rows]
        if found:
            tables.setdefault(table.name, []).extend(found)
    return {
        "format": FORMAT_VERSION,
        "exported_at": now.isoformat(),
        "member": _row(members, member),
        "records": dict(sorted(tables.items())),
    }


def as_json(data: dict[str, Any]) -> bytes:
    """The document as UTF-8 JSON, readable by a person (indented, not ASCII-escaped)."""
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False).encode("utf-8")
