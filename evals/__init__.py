"""How good supportgraph is: evaluation sets, evaluators and reports."""
