"""Shared UI helpers of every app: person names, service errors on forms, formula-safe spreadsheet cells,
SVG charts, iCalendar files and list filters.

This package is the base layer: it imports no journey app (programs, diagnosis, accompaniment, matching,
reports). Callers pass in what a helper needs.
"""
