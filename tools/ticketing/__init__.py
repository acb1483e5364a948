"""Ticketing: support tickets, their events and the human queues."""
