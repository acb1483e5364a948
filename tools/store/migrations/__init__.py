"""The business store's Alembic environment and revisions (tools/store/lifecycle.py runs them)."""
