"""Billing writes, one module per entity: tiers, tax rates, subscriptions, invoices, dunning and
payments. Every service is keyword-only and runs in its own transaction."""
