"""translation and broadcasts (issue 8): contents and their translations, translators'
requests, machine translation tasks and cache; broadcasts, their deliveries and members'
broadcast preferences.

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.db.types

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _fk(
    table: str, column: str, target: str, ondelete: str | None = None
) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"), ondelete=ondelete
    )


def _time(name: str, nullable: bool = False) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, core.db.types.UTCDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "contents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=True),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("parts", sa.JSON(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        _time("created_at"),
        _time("updated_at"),
        _fk("contents", "author_id", "members", "SET NULL"),
        _fk("contents", "branch_id", "branches"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contents")),
        sa.UniqueConstraint("key", name=op.f("uq_contents_key")),
    )
    op.create_table(
        "content_translations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("content_id", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("parts", sa.JSON(), nullable=False),
        sa.Column("origin", sa.String(length=8), nullable=False),
        sa.Column("provider", sa.String(length=32), nullable=True),
        sa.Column("translator_id", sa.Integer(), nullable=True),
        sa.Column("reviewed", sa.Boolean(), nullable=False),
        sa.Column("reviewer_id", sa.Integer(), nullable=True),
        _time("created_at"),
        _time("updated_at"),
        _fk("content_translations", "content_id", "contents", "CASCADE"),
        _fk("content_translations", "reviewer_id", "members", "SET NULL"),
        _fk("content_translations", "translator_id", "members", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_content_translations")),
        sa.UniqueConstraint(
            "content_id", "language", name=op.f("uq_content_translations_content_id_language")
        ),
    )
    op.create_table(
        "translation_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("content_id", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("translator_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("written", sa.JSON(), nullable=False),
        _time("asked_at"),
        _time("answered_at", nullable=True),
        _fk("translation_requests", "content_id", "contents", "CASCADE"),
        _fk("translation_requests", "translator_id", "members", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_translation_requests")),
        sa.UniqueConstraint(
            "content_id",
            "language",
            "translator_id",
            name=op.f("uq_translation_requests_content_id_language_translator_id"),
        ),
    )
    with op.batch_alter_table("translation_requests", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_translation_requests_translator_id"), ["translator_id"], unique=False
        )
    op.create_table(
        "machine_tasks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("content_id", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claimed_by", sa.String(length=64), nullable=True),
        _time("lease_until", nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        _time("created_at"),
        _time("finished_at", nullable=True),
        _fk("machine_tasks", "content_id", "contents", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_machine_tasks")),
        sa.UniqueConstraint(
            "content_id", "language", name=op.f("uq_machine_tasks_content_id_language")
        ),
    )
    with op.batch_alter_table("machine_tasks", schema=None) as batch_op:
        batch_op.create_index("ix_machine_tasks_status", ["status"], unique=False)
    op.create_table(
        "machine_translation_cache",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("provider", sa.String(length=32), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("target", sa.String(length=16), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        _time("created_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_machine_translation_cache")),
        sa.UniqueConstraint(
            "provider",
            "source",
            "target",
            "digest",
            name=op.f("uq_machine_translation_cache_provider_source_target_digest"),
        ),
    )

    op.create_table(
        "broadcasts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=True),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("step", sa.String(length=16), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("content_id", sa.Integer(), nullable=True),
        sa.Column("timing", sa.String(length=8), nullable=True),
        _time("send_at", nullable=True),
        _time("deadline", nullable=True),
        sa.Column("channels", sa.String(length=8), nullable=True),
        sa.Column("languages", sa.JSON(), nullable=False),
        sa.Column("texts", sa.JSON(), nullable=True),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("report_platform", sa.String(length=16), nullable=True),
        sa.Column("report_to", sa.String(length=255), nullable=True),
        _time("created_at"),
        _time("updated_at"),
        _time("confirmed_at", nullable=True),
        _time("released_at", nullable=True),
        _time("finished_at", nullable=True),
        _time("progress_at", nullable=True),
        _fk("broadcasts", "author_id", "members", "SET NULL"),
        _fk("broadcasts", "branch_id", "branches"),
        _fk("broadcasts", "content_id", "contents"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_broadcasts")),
    )
    with op.batch_alter_table("broadcasts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_broadcasts_author_id"), ["author_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_broadcasts_status"), ["status"], unique=False)
    op.create_table(
        "broadcast_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("broadcast_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("target", sa.String(length=255), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claimed_by", sa.String(length=64), nullable=True),
        _time("lease_until", nullable=True),
        sa.Column("message_id", sa.String(length=255), nullable=True),
        sa.Column("error", sa.String(length=32), nullable=True),
        _time("sent_at", nullable=True),
        _fk("broadcast_deliveries", "broadcast_id", "broadcasts", "CASCADE"),
        _fk("broadcast_deliveries", "member_id", "members", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_broadcast_deliveries")),
        sa.UniqueConstraint(
            "broadcast_id",
            "platform",
            "target",
            name=op.f("uq_broadcast_deliveries_broadcast_id_platform_target"),
        ),
    )
    with op.batch_alter_table("broadcast_deliveries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_broadcast_deliveries_broadcast_id"), ["broadcast_id"], unique=False
        )
        batch_op.create_index(
            "ix_broadcast_deliveries_claim", ["platform", "status", "id"], unique=False
        )
    op.create_table(
        "broadcast_preferences",
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("direct_messages", sa.Boolean(), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=True),
        _time("updated_at"),
        _fk("broadcast_preferences", "member_id", "members", "CASCADE"),
        sa.PrimaryKeyConstraint("member_id", name=op.f("pk_broadcast_preferences")),
    )


def downgrade() -> None:
    op.drop_table("broadcast_preferences")
    with op.batch_alter_table("broadcast_deliveries", schema=None) as batch_op:
        batch_op.drop_index("ix_broadcast_deliveries_claim")
        batch_op.drop_index(batch_op.f("ix_broadcast_deliveries_broadcast_id"))
    op.drop_table("broadcast_deliveries")
    with op.batch_alter_table("broadcasts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_broadcasts_status"))
        batch_op.drop_index(batch_op.f("ix_broadcasts_author_id"))
    op.drop_table("broadcasts")
    op.drop_table("machine_translation_cache")
    with op.batch_alter_table("machine_tasks", schema=None) as batch_op:
        batch_op.drop_index("ix_machine_tasks_status")
    op.drop_table("machine_tasks")
    with op.batch_alter_table("translation_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_translation_requests_translator_id"))
    op.drop_table("translation_requests")
    op.drop_table("content_translations")
    op.drop_table("contents")
