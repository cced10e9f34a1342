"""onboarding (issue 4): applications, organisers' awaited questions and reasons, pending
platform join requests; branches created at runtime (their origin).

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.db.types

revision: str = "0005"
down_revision: str | None = "0004"
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
        "applications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("open_member_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("step", sa.String(length=4), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=True),
        sa.Column("agreed", sa.Boolean(), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("unlisted", sa.Boolean(), nullable=False),
        sa.Column("chapter_id", sa.Integer(), nullable=True),
        sa.Column("invited", sa.Boolean(), nullable=False),
        sa.Column("proposing", sa.Boolean(), nullable=False),
        sa.Column("proposed_name", sa.String(length=64), nullable=True),
        sa.Column("proposed_city", sa.String(length=64), nullable=True),
        sa.Column("proposed_parent_id", sa.Integer(), nullable=True),
        sa.Column("display_name", sa.String(length=64), nullable=True),
        sa.Column("bio", sa.Text(), nullable=True),
        sa.Column("help_with", sa.Text(), nullable=True),
        sa.Column("photo_platform", sa.String(length=16), nullable=True),
        sa.Column("photo_ref", sa.String(length=255), nullable=True),
        sa.Column("photo_data", sa.LargeBinary(), nullable=True),
        sa.Column("photo_mime", sa.String(length=64), nullable=True),
        sa.Column("timezone", sa.String(length=64), nullable=True),
        sa.Column("consented_at", core.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("announce", sa.Boolean(), nullable=True),
        sa.Column("question_from_id", sa.Integer(), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decline_reason", sa.Text(), nullable=True),
        sa.Column("created_at", core.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("submitted_at", core.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decided_at", core.db.types.UTCDateTime(timezone=True), nullable=True),
        _fk("applications", "chapter_id", "branches"),
        _fk("applications", "decided_by_id", "members", "SET NULL"),
        _fk("applications", "member_id", "members", "CASCADE"),
        _fk("applications", "open_member_id", "members", "CASCADE"),
        _fk("applications", "proposed_parent_id", "branches"),
        _fk("applications", "question_from_id", "members", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_applications")),
        # One open application per member: open_member_id is NULL once it is closed.
        sa.UniqueConstraint("open_member_id", name=op.f("uq_applications_open_member_id")),
    )
    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_applications_chapter_id"), ["chapter_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_applications_member_id"), ["member_id"], unique=False)

    op.create_table(
        "onboarding_join_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("chat_id", sa.String(length=255), nullable=False),
        sa.Column("user_id", sa.String(length=255), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=True),
        sa.Column("requested_at", core.db.types.UTCDateTime(timezone=True), nullable=False),
        _fk("onboarding_join_requests", "branch_id", "branches"),
        _fk("onboarding_join_requests", "member_id", "members", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_onboarding_join_requests")),
        sa.UniqueConstraint(
            "member_id",
            "platform",
            "chat_id",
            name=op.f("uq_onboarding_join_requests_member_id_platform_chat_id"),
        ),
    )
    with op.batch_alter_table("onboarding_join_requests", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_onboarding_join_requests_member_id"), ["member_id"], unique=False
        )

    op.create_table(
        "onboarding_prompts",
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("asked_at", core.db.types.UTCDateTime(timezone=True), nullable=False),
        _fk("onboarding_prompts", "application_id", "applications", "CASCADE"),
        _fk("onboarding_prompts", "member_id", "members", "CASCADE"),
        sa.PrimaryKeyConstraint("member_id", name=op.f("pk_onboarding_prompts")),
    )

    # Existing branches all came from the configuration.
    with op.batch_alter_table("branches", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("origin", sa.String(length=16), server_default="config", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("branches", schema=None) as batch_op:
        batch_op.drop_column("origin")
    op.drop_table("onboarding_prompts")
    with op.batch_alter_table("onboarding_join_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_onboarding_join_requests_member_id"))
    op.drop_table("onboarding_join_requests")
    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_applications_member_id"))
        batch_op.drop_index(batch_op.f("ix_applications_chapter_id"))
    op.drop_table("applications")
