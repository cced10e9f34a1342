"""Durable jobs and the clock."""
