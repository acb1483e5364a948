"""The service layer: conversations (SupportService), checkpointer, review index, metrics, triage, demo.

What the entry points (supportgraph/cli, supportgraph/server, the inbox) share; above graphs/ and tools/.
"""
