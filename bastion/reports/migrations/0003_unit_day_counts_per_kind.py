"""Daily counts per kind of people (students, staff), so R4's two offices see their own.

A row made before this counted all of a unit's own people. Units hold one kind almost always
(classes students, offices staff), so each existing row takes the kind most of its unit's
people have today; the counts tick rewrites today's rows split properly.
"""

from django.db import migrations, models
from django.db.models import Count, Q


def kind_of_existing_rows(apps, schema_editor):
    UnitDayCount = apps.get_model("reports", "UnitDayCount")
    Person = apps.get_model("org", "Person")
    unit_ids = UnitDayCount.objects.values_list("unit_id", flat=True).distinct()
    staff_units = [
        row["unit_id"]
        for row in Person.objects.filter(unit_id__in=unit_ids)
        .values("unit_id")
        .annotate(
            staff=Count("pk", filter=Q(kind="staff")),
            students=Count("pk", filter=Q(kind="student")),
        )
        .order_by()
        if row["staff"] > row["students"]
    ]
    UnitDayCount.objects.filter(unit_id__in=staff_units).update(kind="staff")


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
        migrations.RunPython(kind_of_existing_rows, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="unitdaycount",
            constraint=models.UniqueConstraint(
                fields=("unit", "day", "kind"), name="unitdaycount_once"
            ),
        ),
    ]
