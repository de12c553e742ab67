"""Backfill: each token made before 0003 takes its own uid (AddField gave them all one)."""

import uuid

from django.db import migrations


def own_uid_for_each_token(apps, schema_editor):
    ApiToken = apps.get_model("accounts", "ApiToken")
    for pk in ApiToken.objects.values_list("pk", flat=True).iterator():
        ApiToken.objects.filter(pk=pk).update(uid=uuid.uuid4())


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0003_api_token_uid'),
    ]

    operations = [migrations.RunPython(own_uid_for_each_token, migrations.RunPython.noop)]
