"""Users (email login, UUID keys) and their memberships of tenants."""
