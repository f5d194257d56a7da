"""Country moved to the core (state only: the foreign keys point at the same table), and the
prosecutor's office of an API client moves here from the core's ``ApiClient``."""

import django.db.models.deletion
from django.db import migrations, models


def copy_offices(apps, schema_editor):
    ApiClient = apps.get_model("npm_tracker", "ApiClient")
    ProsecutorClient = apps.get_model("cases", "ProsecutorClient")
    ProsecutorClient.objects.bulk_create(
        ProsecutorClient(api_client_id=client.pk, office_id=client.prosecutor_office_id)
        for client in ApiClient.objects.filter(prosecutor_office__isnull=False)
    )


def copy_back(apps, schema_editor):
    ApiClient = apps.get_model("npm_tracker", "ApiClient")
    ProsecutorClient = apps.get_model("cases", "ProsecutorClient")
    for link in ProsecutorClient.objects.all():
        ApiClient.objects.filter(pk=link.api_client_id).update(prosecutor_office_id=link.office_id)


class Migration(migrations.Migration):

    dependencies = [
        ("cases", "0007_report_and_scan_indexes"),
        ("npm_tracker", "0006_country_countryhistory_and_more"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
            migrations.AlterField(
                model_name='allegation',
                name='country',
                field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='allegations', to='npm_tracker.country', verbose_name='country'),
            ),
            migrations.AlterField(
                model_name='allegationhistory',
                name='country',
                field=models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to='npm_tracker.country', verbose_name='country'),
            ),
            migrations.AlterField(
                model_name='allegationsource',
                name='country',
                field=models.ForeignKey(blank=True, help_text='Empty when the item is shared by both countries.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='npm_tracker.country', verbose_name='country'),
            ),
            migrations.AlterField(
                model_name='allegationsourcehistory',
                name='country',
                field=models.ForeignKey(blank=True, db_constraint=False, help_text='Empty when the item is shared by both countries.', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to='npm_tracker.country', verbose_name='country'),
            ),
            migrations.AlterField(
                model_name='consistencylevel',
                name='country',
                field=models.ForeignKey(blank=True, help_text='Empty when the item is shared by both countries.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='npm_tracker.country', verbose_name='country'),
            ),
            migrations.AlterField(
                model_name='consistencylevelhistory',
                name='country',
                field=models.ForeignKey(blank=True, db_constraint=False, help_text='Empty when the item is shared by both countries.', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to='npm_tracker.country', verbose_name='country'),
            ),
            migrations.AlterField(
                model_name='deadline',
                name='country',
                field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='npm_tracker.country', verbose_name='country'),
            ),
            migrations.AlterField(
                model_name='deadlinehistory',
                name='country',
                field=models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to='npm_tracker.country', verbose_name='country'),
            ),
            migrations.AlterField(
                model_name='deadlinerule',
                name='country',
                field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='deadline_rules', to='npm_tracker.country', verbose_name='country'),
            ),
            migrations.AlterField(
                model_name='deadlinerulehistory',
                name='country',
                field=models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to='npm_tracker.country', verbose_name='country'),
            ),
            migrations.AlterField(
                model_name='incident',
                name='country',
                field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='npm_tracker.country', verbose_name='country'),
            ),
            migrations.AlterField(
                model_name='incidenthistory',
                name='country',
                field=models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to='npm_tracker.country', verbose_name='country'),
            ),
            migrations.AlterField(
                model_name='method',
                name='country',
                field=models.ForeignKey(blank=True, help_text='Empty when the item is shared by both countries.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='npm_tracker.country', verbose_name='country'),
            ),
            migrations.AlterField(
                model_name='methodhistory',
                name='country',
                field=models.ForeignKey(blank=True, db_constraint=False, help_text='Empty when the item is shared by both countries.', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to='npm_tracker.country', verbose_name='country'),
            ),
            migrations.AlterField(
                model_name='placeofincident',
                name='country',
                field=models.ForeignKey(blank=True, help_text='Empty when the item is shared by both countries.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='npm_tracker.country', verbose_name='country'),
            ),
            migrations.AlterField(
                model_name='placeofincidenthistory',
                name='country',
                field=models.ForeignKey(blank=True, db_constraint=False, help_text='Empty when the item is shared by both countries.', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to='npm_tracker.country', verbose_name='country'),
            ),
            migrations.AlterField(
                model_name='prosecutoroffice',
                name='country',
                field=models.ForeignKey(blank=True, help_text='Empty when the item is shared by both countries.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='npm_tracker.country', verbose_name='country'),
            ),
            migrations.AlterField(
                model_name='prosecutorofficehistory',
                name='country',
                field=models.ForeignKey(blank=True, db_constraint=False, help_text='Empty when the item is shared by both countries.', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to='npm_tracker.country', verbose_name='country'),
            ),
            ],
        ),
        migrations.CreateModel(
            name='ProsecutorClient',
            fields=[
                ('api_client', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, primary_key=True, related_name='prosecutor_office_link', serialize=False, to='npm_tracker.apiclient', verbose_name='API client')),
            ],
            options={
                'verbose_name': "prosecutor's office of an API client",
                'verbose_name_plural': "prosecutor's offices of API clients",
            },
        ),
        migrations.AddField(
            model_name='prosecutorclient',
            name='office',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='api_clients', to='cases.prosecutoroffice', verbose_name="prosecutor's office"),
        ),
        migrations.RunPython(copy_offices, copy_back),
    ]
