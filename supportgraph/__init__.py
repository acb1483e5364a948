"""How supportgraph runs: settings, storage, checkpointer, CLI, audit and the review queue."""
