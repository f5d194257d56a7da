"""Country moved to the core (``npm_tracker.Country``, same table ``facilities_country``): the
foreign keys point at the same table and the model leaves this app's state; nothing changes in
the database."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("cases", "0008_prosecutorclient"),
        ("facilities", "0002_pagination_indexes"),
        ("npm_tracker", "0006_country_countryhistory_and_more"),
        ("reports", "0003_country_in_core"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
            migrations.AlterField(
                model_name='facility',
                name='country',
                field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='facilities', to='npm_tracker.country', verbose_name='country'),
            ),
            migrations.AlterField(
                model_name='agency',
                name='country',
                field=models.ForeignKey(blank=True, help_text='Empty when the item is shared by both countries.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='npm_tracker.country', verbose_name='country'),
            ),
            migrations.RemoveField(
                model_name='countryhistory',
                name='pgh_obj',
            ),
            migrations.AlterField(
                model_name='region',
                name='country',
                field=models.ForeignKey(blank=True, help_text='Empty when the item is shared by both countries.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='npm_tracker.country', verbose_name='country'),
            ),
            migrations.AlterField(
                model_name='agencyhistory',
                name='country',
                field=models.ForeignKey(blank=True, db_constraint=False, help_text='Empty when the item is shared by both countries.', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to='npm_tracker.country', verbose_name='country'),
            ),
            migrations.AlterField(
                model_name='npmbodyhistory',
                name='country',
                field=models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to='npm_tracker.country', verbose_name='country'),
            ),
            migrations.AlterField(
                model_name='obstacletype',
                name='country',
                field=models.ForeignKey(blank=True, help_text='Empty when the item is shared by both countries.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='npm_tracker.country', verbose_name='country'),
            ),
            migrations.AlterField(
                model_name='visittypehistory',
                name='country',
                field=models.ForeignKey(blank=True, db_constraint=False, help_text='Empty when the item is shared by both countries.', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to='npm_tracker.country', verbose_name='country'),
            ),
            migrations.AlterField(
                model_name='examinedareahistory',
                name='country',
                field=models.ForeignKey(blank=True, db_constraint=False, help_text='Empty when the item is shared by both countries.', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to='npm_tracker.country', verbose_name='country'),
            ),
            migrations.AlterField(
                model_name='npmbody',
                name='country',
                field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='npm_bodies', to='npm_tracker.country', verbose_name='country'),
            ),
            migrations.AlterField(
                model_name='recommendationhistory',
                name='country',
                field=models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to='npm_tracker.country', verbose_name='country'),
            ),
            migrations.AlterField(
                model_name='regionhistory',
                name='country',
                field=models.ForeignKey(blank=True, db_constraint=False, help_text='Empty when the item is shared by both countries.', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to='npm_tracker.country', verbose_name='country'),
            ),
            migrations.AlterField(
                model_name='facilityhistory',
                name='country',
                field=models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to='npm_tracker.country', verbose_name='country'),
            ),
            migrations.AlterField(
                model_name='facilitytype',
                name='country',
                field=models.ForeignKey(blank=True, help_text='Empty when the item is shared by both countries.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='npm_tracker.country', verbose_name='country'),
            ),
            migrations.AlterField(
                model_name='obstacletypehistory',
                name='country',
                field=models.ForeignKey(blank=True, db_constraint=False, help_text='Empty when the item is shared by both countries.', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to='npm_tracker.country', verbose_name='country'),
            ),
            migrations.AlterField(
                model_name='facilitytypehistory',
                name='country',
                field=models.ForeignKey(blank=True, db_constraint=False, help_text='Empty when the item is shared by both countries.', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to='npm_tracker.country', verbose_name='country'),
            ),
            migrations.AlterField(
                model_name='examinedarea',
                name='country',
                field=models.ForeignKey(blank=True, help_text='Empty when the item is shared by both countries.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='npm_tracker.country', verbose_name='country'),
            ),
            migrations.AlterField(
                model_name='visittype',
                name='country',
                field=models.ForeignKey(blank=True, help_text='Empty when the item is shared by both countries.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='npm_tracker.country', verbose_name='country'),
            ),
            migrations.AlterField(
                model_name='recommendation',
                name='country',
                field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='npm_tracker.country', verbose_name='country'),
            ),
            migrations.RemoveField(
                model_name='countryhistory',
                name='pgh_context',
            ),
            migrations.DeleteModel(
                name='Country',
            ),
            migrations.DeleteModel(
                name='CountryHistory',
            ),
            ],
        ),
    ]
