"""Moved to foundation.embeddings (the tools' semantic search uses it too); re-exported here."""

from foundation.embeddings import MODEL_ID, embed, load_embedder

__all__ = ["MODEL_ID", "embed", "load_embedder"]
