"""Backfill: each daily counts row made before the split takes its unit's kind.

A row counted all of a unit's own people. Units hold one kind almost always (classes students,
offices staff), so each takes the kind most of its unit's people have today; the counts tick
rewrites today's rows split exactly.
"""

from django.db import migrations
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
    dependencies = [("reports", "0003_unit_day_counts_kind")]

    operations = [migrations.RunPython(kind_of_existing_rows, migrations.RunPython.noop)]
