"""The business store's Alembic revisions, oldest first."""
