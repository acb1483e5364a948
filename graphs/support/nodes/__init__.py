"""The support graph's nodes, one module each."""
