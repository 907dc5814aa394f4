"""The FY2022 demo (``manage.py load_demo``): its tables and loader; outside the layers (it loads every
app)."""
