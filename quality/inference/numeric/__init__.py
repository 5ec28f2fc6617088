"""Aggregation of numeric answers (scores, counts, measurements)."""
