"""Daily counts per kind of people (students, staff), so R4's two offices see their own.

Schema only: the column, with every existing row a student's for now. 0004 gives existing rows
their unit's kind, 0005 makes (unit, day, kind) the unique key.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("campaigns", "0001_campaigns_and_key_areas"),
        ("org", "0002_person_email_and_health_facts"),
        ("reports", "0002_urgent_report_client_id_once"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="unitdaycount",
            name="unitdaycount_once",
        ),
        migrations.AddField(
            model_name="unitdaycount",
            name="kind",
            field=models.CharField(
                choices=[("student", "Student"), ("staff", "Staff")],
                default="student",
                max_length=8,
                verbose_name="kind of people",
            ),
            preserve_default=False,
        ),
    ]
