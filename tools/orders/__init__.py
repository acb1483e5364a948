"""Order management: orders, their items, shipping and cancellation."""
