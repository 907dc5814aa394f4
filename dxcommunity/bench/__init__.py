"""Benchmarks (``manage.py bench``): generated consortia at scale; outside the layers (they load every
app)."""
