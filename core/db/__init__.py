"""Storage: SQLAlchemy 2.x async, SQLite (WAL) by default, PostgreSQL by URL."""

from core.db.base import Base
from core.db.database import Database
from core.db.types import UTCDateTime

__all__ = ["Base", "Database", "UTCDateTime"]
