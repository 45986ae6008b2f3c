"""Reusable pieces of the kdquiz app: charts and other small widgets."""
