"""Case-insensitive search that holds for every script the product's users type in.

PostgreSQL's ``UPPER`` follows the database's character type: under the ``C`` locale (common in
containers) it changes ASCII letters only, so ``қарағанды`` would not find ``Қарағанды``. The
``uicontains`` lookup compares both sides upper-cased under the ICU root collation instead, which
maps Kazakh, Kyrgyz and Russian Cyrillic and Kazakh Latin letters (``ğ``/``Ğ``) whatever locale the
database was created with. Text is stored as entered; only the comparison folds case.
"""

from django.db.models import CharField, TextField, lookups

SEARCH_COLLATION = "und-x-icu"


class UnicodeIContains(lookups.IContains):
    lookup_name = "uicontains"

    def as_sql(self, compiler, connection):
        lhs_sql, params = self.process_lhs(compiler, connection)
        rhs_sql, rhs_params = self.process_rhs(compiler, connection)
        collate = f'COLLATE "{SEARCH_COLLATION}"'
        sql = f"UPPER(({lhs_sql})::text {collate}) LIKE UPPER(({rhs_sql})::text {collate})"
        return sql, (*params, *rhs_params)


def register():
    CharField.register_lookup(UnicodeIContains)
    TextField.register_lookup(UnicodeIContains)
