"""Decisions: polls and votes by every method the organisation uses, one tally everywhere."""
