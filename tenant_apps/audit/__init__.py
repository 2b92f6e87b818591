"""The tenant's own audit log: who changed what in this shop, and security events."""
