"""事業: programs, events, recruitment and selection, and the consortium home and company pages (imports
the base layer only)."""
