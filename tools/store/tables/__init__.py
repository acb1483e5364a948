"""The business store's tables, one module per business system (see tools/store/schema.py)."""
