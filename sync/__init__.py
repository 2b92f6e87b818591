"""Offline terminals: pairing, pull, push, conflicts and reconciliation."""
