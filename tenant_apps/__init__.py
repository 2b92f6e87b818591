"""Apps whose tables live in each tenant's own schema."""
