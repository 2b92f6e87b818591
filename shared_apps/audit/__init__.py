"""The platform audit log: who did what to which tenant, from the CLI or the platform."""
