"""The local reasoner: offline intent routing, entities and sentiment, with no API key."""
