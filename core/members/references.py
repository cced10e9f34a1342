"""Where the schema refers to members: every column with a foreign key to ``members.id``.

Merging two members, exporting a member's data and erasing it must reach every table that
holds something about a member, including tables added by capabilities written later. They
read the references from the schema itself rather than from a list that could fall behind.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Column, MetaData, PrimaryKeyConstraint, Table, UniqueConstraint

from core.db.registry import all_metadata

MEMBERS = "members"


@dataclass(frozen=True)
class MemberReference:
    """One column that points at a member.

    Attributes:
        table: The table holding it.
        column: The column.
        unique_with: For each unique key (primary key, unique constraint or unique index)
            the column is part of, the other columns of that key.
    """

    table: Table
    column: Column[int]
    unique_with: tuple[tuple[Column[object], ...], ...]

    @property
    def name(self) -> str:
        """``table.column``."""
        return f"{self.table.name}.{self.column.name}"


def _unique_keys(table: Table, column: Column[int]) -> tuple[tuple[Column[object], ...], ...]:
    keys: list[tuple[Column[object], ...]] = []
    for constraint in table.constraints:
        if isinstance(constraint, PrimaryKeyConstraint | UniqueConstraint):
            columns = list(constraint.columns)
            if column in columns:
                keys.append(tuple(c for c in columns if c is not column))
    for index in table.indexes:
        if index.unique and column in index.columns:
            keys.append(tuple(c for c in index.columns if c is not column))
    return tuple(keys)


def member_references(metadata: MetaData | None = None) -> list[MemberReference]:
    """Every column referring to ``members.id``, dependent tables first.

    "Dependent first" (the reverse of the tables' dependency order) is the order in which
    rows can be deleted without tripping a foreign key between the tables themselves.
    """
    metadata = metadata or all_metadata()
    found: list[MemberReference] = []
    for table in reversed(metadata.sorted_tables):
        if table.name == MEMBERS:
            continue
        for key in sorted(table.foreign_keys, key=lambda fk: fk.parent.name):
            if key.column.table.name == MEMBERS and key.column.name == "id":
                column = key.parent
                found.append(MemberReference(table, column, _unique_keys(table, column)))
    return found
