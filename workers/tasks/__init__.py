"""Job bodies, one module per domain."""
