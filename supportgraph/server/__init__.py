"""The deployed graph API: Aegra serving the support graph on Postgres, with API keys and roles."""
