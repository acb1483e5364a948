"""The entry points, the top layer: the CLI (cli/), the graph API server (server/) and the reviewers' inbox."""
