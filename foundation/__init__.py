"""The lowest layer: settings, the database, tokens, embeddings and the model export, the audit log.

Everyone may import it; it imports no other package of this project.
"""
