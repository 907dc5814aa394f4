import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accompaniment", "0003_participation_and_sessionlog_items"),
        ("programs", "0003_participation_backfill"),
    ]

    operations = [
        migrations.AlterField(
            model_name="accompanimenttrack",
            name="participation",
            field=models.OneToOneField(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="track",
                to="programs.participation",
                verbose_name="参加",
            ),
        ),
        migrations.AlterField(
            model_name="dxplan",
            name="participation",
            field=models.OneToOneField(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="dx_plan",
                to="programs.participation",
                verbose_name="参加",
            ),
        ),
    ]
