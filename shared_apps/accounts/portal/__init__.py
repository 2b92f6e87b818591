"""Server-rendered sign-in pages of a tenant's portal (/portal/ on the tenant's host)."""
