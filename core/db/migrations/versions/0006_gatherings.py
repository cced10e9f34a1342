"""gatherings (issue 5): gatherings and their series' exceptions, RSVPs, guided drafts.

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.db.types

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _fk(
    table: str, column: str, target: str, ondelete: str | None = None
) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"), ondelete=ondelete
    )


def upgrade() -> None:
    op.create_table(
        "gatherings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=False),
        sa.Column("organiser_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("starts_at", core.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("duration_minutes", sa.Integer(), nullable=False),
        sa.Column("place", sa.String(length=300), nullable=True),
        sa.Column("online_url", sa.String(length=500), nullable=True),
        sa.Column("capacity", sa.Integer(), nullable=True),
        sa.Column("childcare", sa.Boolean(), nullable=False),
        sa.Column("accessibility", sa.String(length=300), nullable=True),
        sa.Column("meeting_language", sa.String(length=16), nullable=True),
        sa.Column("reminder_minutes", sa.JSON(), nullable=False),
        sa.Column("rrule", sa.String(length=500), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("created_at", core.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.types.UTCDateTime(timezone=True), nullable=False),
        _fk("gatherings", "branch_id", "branches"),
        _fk("gatherings", "organiser_id", "members", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_gatherings")),
    )
    with op.batch_alter_table("gatherings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_gatherings_branch_id"), ["branch_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_gatherings_status"), ["status"], unique=False)

    op.create_table(
        "gathering_exceptions",
        sa.Column("gathering_id", sa.Integer(), nullable=False),
        sa.Column("occurrence", sa.Integer(), nullable=False),
        sa.Column("moved_to", core.db.types.UTCDateTime(timezone=True), nullable=True),
        _fk("gathering_exceptions", "gathering_id", "gatherings", "CASCADE"),
        sa.PrimaryKeyConstraint(
            "gathering_id", "occurrence", name=op.f("pk_gathering_exceptions")
        ),
    )

    op.create_table(
        "gathering_rsvps",
        sa.Column("gathering_id", sa.Integer(), nullable=False),
        sa.Column("occurrence", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("answer", sa.String(length=16), nullable=False),
        sa.Column("answered_at", core.db.types.UTCDateTime(timezone=True), nullable=False),
        _fk("gathering_rsvps", "gathering_id", "gatherings", "CASCADE"),
        _fk("gathering_rsvps", "member_id", "members", "CASCADE"),
        sa.PrimaryKeyConstraint(
            "gathering_id", "occurrence", "member_id", name=op.f("pk_gathering_rsvps")
        ),
    )
    with op.batch_alter_table("gathering_rsvps", schema=None) as batch_op:
        batch_op.create_index(
            "ix_gathering_rsvps_occurrence", ["gathering_id", "occurrence"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_gathering_rsvps_member_id"), ["member_id"], unique=False
        )

    op.create_table(
        "gathering_drafts",
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=False),
        sa.Column("step", sa.String(length=16), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("asked_at", core.db.types.UTCDateTime(timezone=True), nullable=False),
        _fk("gathering_drafts", "branch_id", "branches"),
        _fk("gathering_drafts", "member_id", "members", "CASCADE"),
        sa.PrimaryKeyConstraint("member_id", name=op.f("pk_gathering_drafts")),
    )


def downgrade() -> None:
    op.drop_table("gathering_drafts")
    with op.batch_alter_table("gathering_rsvps", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_gathering_rsvps_member_id"))
        batch_op.drop_index("ix_gathering_rsvps_occurrence")
    op.drop_table("gathering_rsvps")
    op.drop_table("gathering_exceptions")
    with op.batch_alter_table("gatherings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_gatherings_status"))
        batch_op.drop_index(batch_op.f("ix_gatherings_branch_id"))
    op.drop_table("gatherings")
