# Kyrgyz: Django's formats, with the decimal comma of CLDR ky (1 234 567,5).
from django.conf.locale.ky.formats import *  # noqa: F403

DECIMAL_SEPARATOR = ","
