"""Tenants, their domains, schema provisioning and the host -> tenant routing cache."""
