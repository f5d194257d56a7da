"""Country moves from the facilities app to the core, table and rows untouched: only Django's
picture of the models changes (the facilities app's migration drops its own)."""

import uuid

import django.db.models.deletion
from django.db import migrations, models


def _relabel(apps, old: str, new: str) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.filter(app_label=old, model__in=("country", "countryhistory")).update(
        app_label=new
    )


def move_content_types(apps, schema_editor):
    """Permissions and history keep pointing at the same rows under the new app label."""
    _relabel(apps, "facilities", "npm_tracker")


def move_content_types_back(apps, schema_editor):
    _relabel(apps, "npm_tracker", "facilities")


class Migration(migrations.Migration):

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("npm_tracker", "0005_access_log"),
        ("facilities", "0002_pagination_indexes"),
        ("pghistory", "0007_auto_20250421_0444"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
            migrations.CreateModel(
                name='Country',
                fields=[
                    ('name_en', models.CharField(max_length=255, verbose_name='name (English)')),
                    ('name_ru', models.CharField(blank=True, max_length=255, verbose_name='name (Russian)')),
                    ('name_kk', models.CharField(blank=True, max_length=255, verbose_name='name (Kazakh)')),
                    ('name_ky', models.CharField(blank=True, max_length=255, verbose_name='name (Kyrgyz)')),
                    ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                    ('code', models.CharField(max_length=2, unique=True, verbose_name='code')),
                    ('timezone', models.CharField(max_length=64, verbose_name='time zone')),
                ],
                options={
                    'verbose_name': 'country',
                    'verbose_name_plural': 'countries',
                    'db_table': 'facilities_country',
                    'ordering': ('code',),
                },
            ),
            migrations.CreateModel(
                name='CountryHistory',
                fields=[
                    ('pgh_id', models.AutoField(primary_key=True, serialize=False)),
                    ('pgh_created_at', models.DateTimeField(auto_now_add=True)),
                    ('pgh_label', models.TextField(help_text='The event label.')),
                    ('name_en', models.CharField(max_length=255, verbose_name='name (English)')),
                    ('name_ru', models.CharField(blank=True, max_length=255, verbose_name='name (Russian)')),
                    ('name_kk', models.CharField(blank=True, max_length=255, verbose_name='name (Kazakh)')),
                    ('name_ky', models.CharField(blank=True, max_length=255, verbose_name='name (Kyrgyz)')),
                    ('id', models.UUIDField(default=uuid.uuid4, editable=False, serialize=False)),
                    ('code', models.CharField(max_length=2, verbose_name='code')),
                    ('timezone', models.CharField(max_length=64, verbose_name='time zone')),
                ],
                options={
                    'db_table': 'facilities_countryhistory',
                    'abstract': False,
                },
            ),
            migrations.AlterField(
                model_name='accesslog',
                name='country',
                field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='npm_tracker.country', verbose_name='country'),
            ),
            migrations.AlterField(
                model_name='apiclient',
                name='country',
                field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='npm_tracker.country', verbose_name='country'),
            ),
            migrations.AlterField(
                model_name='apiclienthistory',
                name='country',
                field=models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to='npm_tracker.country', verbose_name='country'),
            ),
            migrations.AlterField(
                model_name='daytransfer',
                name='country',
                field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='day_transfers', to='npm_tracker.country', verbose_name='country'),
            ),
            migrations.AlterField(
                model_name='daytransferhistory',
                name='country',
                field=models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to='npm_tracker.country', verbose_name='country'),
            ),
            migrations.AlterField(
                model_name='staffcountryhistory',
                name='country',
                field=models.ForeignKey(db_constraint=False, db_tablespace='', on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to='npm_tracker.country'),
            ),
            migrations.AlterField(
                model_name='staffprofile',
                name='countries',
                field=models.ManyToManyField(blank=True, help_text='The user sees records of these countries only.', related_name='staff_profiles', to='npm_tracker.country', verbose_name='countries'),
            ),
            migrations.AlterField(
                model_name='webhook',
                name='country',
                field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='npm_tracker.country', verbose_name='country'),
            ),
            migrations.AddField(
                model_name='countryhistory',
                name='pgh_context',
                field=models.ForeignKey(db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='pghistory.context'),
            ),
            migrations.AddField(
                model_name='countryhistory',
                name='pgh_obj',
                field=models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='history', to='npm_tracker.country'),
            ),
            ],
        ),
        migrations.RunPython(move_content_types, move_content_types_back),
    ]
