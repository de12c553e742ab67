"""One daily counts row per unit, day and kind of people."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("reports", "0004_unit_day_counts_kind_backfill")]

    operations = [
        migrations.AddConstraint(
            model_name="unitdaycount",
            constraint=models.UniqueConstraint(
                fields=("unit", "day", "kind"), name="unitdaycount_once"
            ),
        ),
    ]
