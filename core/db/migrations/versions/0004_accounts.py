"""accounts (issue 4): link codes and wrong tries, awaited profile answers, chapter moves,
the role audit log, and the record of erasures.

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.db.types

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _member_fk(table: str, column: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], ["members.id"], name=op.f(f"fk_{table}_{column}_members"), ondelete=ondelete
    )


def upgrade() -> None:
    op.create_table(
        "link_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", core.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", core.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", core.db.types.UTCDateTime(timezone=True), nullable=True),
        _member_fk("link_codes", "member_id", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_link_codes")),
    )
    with op.batch_alter_table("link_codes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_link_codes_code_hash"), ["code_hash"], unique=False)
        batch_op.create_index(batch_op.f("ix_link_codes_member_id"), ["member_id"], unique=False)

    op.create_table(
        "link_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("failed_at", core.db.types.UTCDateTime(timezone=True), nullable=False),
        _member_fk("link_failures", "member_id", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_link_failures")),
    )
    with op.batch_alter_table("link_failures", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_link_failures_member_id"), ["member_id"], unique=False)

    op.create_table(
        "awaited_texts",
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("field", sa.String(length=16), nullable=False),
        sa.Column("asked_at", core.db.types.UTCDateTime(timezone=True), nullable=False),
        _member_fk("awaited_texts", "member_id", "CASCADE"),
        sa.PrimaryKeyConstraint("member_id", name=op.f("pk_awaited_texts")),
    )

    op.create_table(
        "chapter_moves",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("from_branch_id", sa.Integer(), nullable=True),
        sa.Column("to_branch_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", core.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("decided_at", core.db.types.UTCDateTime(timezone=True), nullable=True),
        _member_fk("chapter_moves", "decided_by", "SET NULL"),
        sa.ForeignKeyConstraint(
            ["from_branch_id"],
            ["branches.id"],
            name=op.f("fk_chapter_moves_from_branch_id_branches"),
        ),
        _member_fk("chapter_moves", "member_id", "CASCADE"),
        sa.ForeignKeyConstraint(
            ["to_branch_id"], ["branches.id"], name=op.f("fk_chapter_moves_to_branch_id_branches")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chapter_moves")),
    )
    with op.batch_alter_table("chapter_moves", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_chapter_moves_member_id"), ["member_id"], unique=False)

    op.create_table(
        "role_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("subject_id", sa.Integer(), nullable=True),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=True),
        sa.Column("action", sa.String(length=8), nullable=False),
        sa.Column("at", core.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("automatic", sa.Boolean(), nullable=False),
        _member_fk("role_changes", "actor_id", "SET NULL"),
        sa.ForeignKeyConstraint(
            ["branch_id"], ["branches.id"], name=op.f("fk_role_changes_branch_id_branches")
        ),
        _member_fk("role_changes", "subject_id", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_role_changes")),
    )
    with op.batch_alter_table("role_changes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_role_changes_branch_id"), ["branch_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_role_changes_subject_id"), ["subject_id"], unique=False
        )

    op.create_table(
        "member_erasures",
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("erased_at", core.db.types.UTCDateTime(timezone=True), nullable=False),
        _member_fk("member_erasures", "member_id", "CASCADE"),
        sa.PrimaryKeyConstraint("member_id", name=op.f("pk_member_erasures")),
    )


def downgrade() -> None:
    op.drop_table("member_erasures")
    with op.batch_alter_table("role_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_role_changes_subject_id"))
        batch_op.drop_index(batch_op.f("ix_role_changes_branch_id"))

    op.drop_table("role_changes")
    with op.batch_alter_table("chapter_moves", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_chapter_moves_member_id"))

    op.drop_table("chapter_moves")
    op.drop_table("awaited_texts")
    with op.batch_alter_table("link_failures", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_link_failures_member_id"))

    op.drop_table("link_failures")
    with op.batch_alter_table("link_codes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_link_codes_member_id"))
        batch_op.drop_index(batch_op.f("ix_link_codes_code_hash"))

    op.drop_table("link_codes")
