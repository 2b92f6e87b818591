"""Storefronts (outlets) of a tenant."""
