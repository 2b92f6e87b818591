"""Handlers of the operation kinds terminals push. Each kind validates its data and applies it
through the POS core's services; see :mod:`sync.ops.base` for the contract."""
