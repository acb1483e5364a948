"""What the agent may touch: the demo company's business systems, one tool per file."""
