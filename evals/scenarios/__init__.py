"""Scenario files (YAML/JSON) and their schema; a package only so that installs ship them as package data."""
