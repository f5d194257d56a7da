"""The prosecutor's office of an API client now lives in the cases app (``ProsecutorClient``),
which copied it before this column goes."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("npm_tracker", "0006_country_countryhistory_and_more"),
        ("cases", "0008_prosecutorclient"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='apiclient',
            name='npm_tracker_apiclient_prosecutor_scope_only',
        ),
        migrations.RemoveField(
            model_name='apiclient',
            name='prosecutor_office',
        ),
        migrations.RemoveField(
            model_name='apiclienthistory',
            name='prosecutor_office',
        ),
    ]
