"""Tenancy: consortia (tenants), regions, member organizations, memberships and companies; the tenant
scope middleware and ``TenantModel``."""
