"""The database cache's table (settings.CACHE_TABLE), so that ``migrate`` alone prepares a Redis-less install.

It is created whatever CACHES says at migrate time, so that the same database works with and without
REDIS_URL. The table layout is Django's own (``createcachetable``).
"""

from django.conf import settings
from django.core.management.commands.createcachetable import Command as CreateCacheTable
from django.db import migrations


def create_cache_table(apps, schema_editor):
    command = CreateCacheTable()
    command.verbosity = 0  # set by the command's handle(), which is not run here
    command.create_table(schema_editor.connection.alias, settings.CACHE_TABLE, dry_run=False)


def drop_cache_table(apps, schema_editor):
    schema_editor.execute(f"DROP TABLE IF EXISTS {schema_editor.quote_name(settings.CACHE_TABLE)}")


class Migration(migrations.Migration):
    dependencies = [("dxcommunity", "0002_cross_app_relations")]

    operations = [migrations.RunPython(create_cache_table, drop_cache_table)]
