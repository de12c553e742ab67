from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0001_accounts_and_api_tokens'),
    ]

    operations = [
        migrations.CreateModel(
            name='LoginFailure',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('account', 'account'), ('address', 'client address')], max_length=8, verbose_name='counted for')),
                ('key', models.CharField(max_length=150, verbose_name='account or address')),
                ('at', models.DateTimeField(db_index=True, verbose_name='at')),
            ],
            options={
                'verbose_name': 'failed login',
                'verbose_name_plural': 'failed logins',
                'indexes': [models.Index(fields=['kind', 'key', 'at'], name='login_failure_key_at')],
            },
        ),
        migrations.CreateModel(
            name='LoginLockout',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('account', 'account'), ('address', 'client address')], max_length=8, verbose_name='locked')),
                ('key', models.CharField(max_length=150, verbose_name='account or address')),
                ('failures', models.PositiveIntegerField(verbose_name='failed attempts')),
                ('address', models.GenericIPAddressField(blank=True, null=True, verbose_name='last client address')),
                ('via', models.CharField(max_length=20, verbose_name='login page')),
                ('started_at', models.DateTimeField(verbose_name='locked at')),
                ('until', models.DateTimeField(verbose_name='locked until')),
            ],
            options={
                'verbose_name': 'login lockout',
                'verbose_name_plural': 'login lockouts',
                'indexes': [models.Index(fields=['kind', 'key', 'until'], name='login_lockout_key_until')],
            },
        ),
    ]
