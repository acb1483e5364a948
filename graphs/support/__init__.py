"""The support graph: ingest → understand → plan → act → assess → respond | human_review."""
