"""The policy fuzzer (issue 17): generated plans through a scripted chat model, the store's money and access
invariants checked after every turn. ``supportgraph fuzz policy`` runs it long; tests/policy runs it bounded in CI."""
