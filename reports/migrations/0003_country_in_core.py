"""Country moved to the core: the foreign keys point at the same table (state only)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("npm_tracker", "0006_country_countryhistory_and_more"),
        ("reports", "0002_personal_data"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
            migrations.AlterField(
                model_name='reportrun',
                name='country',
                field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='npm_tracker.country', verbose_name='country'),
            ),
            migrations.AlterField(
                model_name='reportrunhistory',
                name='country',
                field=models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to='npm_tracker.country', verbose_name='country'),
            ),
            migrations.AlterField(
                model_name='reportschedule',
                name='country',
                field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='npm_tracker.country', verbose_name='country'),
            ),
            migrations.AlterField(
                model_name='reportschedulehistory',
                name='country',
                field=models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to='npm_tracker.country', verbose_name='country'),
            ),
            ],
        ),
    ]
