"""A public identifier for each API token (its owner revokes it by this), unique from 0005."""

import uuid

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0002_login_failures_and_lockouts'),
    ]

    operations = [
        migrations.AddField(
            model_name='apitoken',
            name='uid',
            field=models.UUIDField(default=uuid.uuid4, editable=False, null=True),
        ),
    ]
