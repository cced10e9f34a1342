"""Imports every table module so that ``Base.metadata`` knows the whole schema."""

from __future__ import annotations

from sqlalchemy import MetaData


def all_metadata() -> MetaData:
    """The metadata of every table, for migrations and their checks."""
    # Imported for their side effect of registering tables on Base.metadata.
    import core.broadcasts.models
    import core.db.state
    import core.decisions.models
    import core.federation.models
    import core.gatherings.models
    import core.members.models
    import core.messaging.choices
    import core.messaging.models
    import core.messaging.outbox
    import core.onboarding.models
    import core.scheduling.models
    import core.translation.models  # noqa: F401
    from core.db.base import Base

    return Base.metadata
