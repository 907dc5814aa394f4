from django.db import migrations


class Migration(migrations.Migration):
    """The program and the stage now belong to the company's participations (programs.Participation)."""

    dependencies = [
        ('dxcommunity', '0004_company_corporate_number'),
        ('programs', '0003_participation_backfill'),
    ]

    operations = [
        migrations.RemoveField(
            model_name='company',
            name='program',
        ),
        migrations.RemoveField(
            model_name='company',
            name='stage',
        ),
        migrations.RemoveField(
            model_name='historicalcompany',
            name='program',
        ),
        migrations.RemoveField(
            model_name='historicalcompany',
            name='stage',
        ),
    ]
