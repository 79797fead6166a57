"""Storage: the database handle, the declarative base and migrations."""

from nervecentre.store.base import Base
from nervecentre.store.db import Database, open_database

__all__ = ["Base", "Database", "open_database"]
