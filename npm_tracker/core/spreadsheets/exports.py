"""Export of admin lists: only what the user sees, never a field their role may not see, and
every exported record written to the access log."""

from functools import cache

from import_export import fields
from import_export.admin import ExportMixin
from import_export.forms import ExportForm

from npm_tracker.core import roles
from npm_tracker.core.access import client_ip
from npm_tracker.core.models import AccessChannel, AccessLog, Country
from npm_tracker.core.scoping import user_country_ids
from npm_tracker.core.services import actor_fields
from npm_tracker.core.spreadsheets.columns import widget_for
from npm_tracker.core.spreadsheets.resources import SPREADSHEET_FORMATS, ScopedResource


@cache
def list_resource_for(model):
    """The export resource of an admin list without a resource of its own: every concrete field
    but the confidential ones, related records and choices by their names."""
    attrs = {}
    for model_field in model._meta.concrete_fields:
        if model_field.name in confidential_fields_of(model):
            continue
        attrs[model_field.name] = fields.Field(
            attribute=model_field.name,
            column_name=model_field.name,
            widget=widget_for(model_field),
            readonly=True,
        )
    names = tuple(attrs)
    attrs["Meta"] = type("Meta", (), {"model": model, "fields": names, "export_order": names})
    return type(f"{model.__name__}ListResource", (ScopedResource,), attrs)


def confidential_fields_of(model) -> tuple:
    """Identity and medical fields of a model, as its app declared them to the audit trail
    (``audit.track(model, confidential=...)``)."""
    return getattr(model, "confidential_fields", ())


# --- the access log ----------------------------------------------------------------------------


def record_export(request, resource) -> list:
    """One append-only access-log row per exported record: its type and id, and what of it was
    exported ("identity", "medical" or just "record"). A shared vocabulary item has no country
    and is logged under each country the user works for."""
    who = actor_fields(request.user)
    every_country = None
    rows = []
    for obj, shown in resource.exported:
        what = ",".join(kind for kind, present in shown.items() if present) or "record"
        allegation_id = _allegation_id(obj)
        country_id = _record_country_id(obj)
        if country_id is None:
            if every_country is None:
                every_country = _user_countries(request.user)
            countries = every_country
        else:
            countries = [country_id]
        for country in countries:
            rows.append(
                AccessLog(
                    user=who["actor"],
                    actor_label=who["actor_label"][:200],
                    channel=AccessChannel.EXPORT,
                    country_id=country,
                    object_type=obj._meta.label_lower,
                    object_id=obj.pk,
                    allegation_id=allegation_id,
                    what=what,
                    ip_address=client_ip(request),
                    path=request.path[:300],
                )
            )
    return AccessLog.objects.bulk_create(rows, batch_size=1000)


def _allegation_id(obj):
    return roles.case_id_of(obj)


def _record_country_id(obj):
    path = getattr(type(obj), "country_field", None)
    if path is None:
        return None
    value = obj
    for step in path.split("__"):
        if step == "pk":
            return value.pk
        value = getattr(value, step, None)
        if value is None:
            return None
    return value.pk


def _user_countries(user) -> list:
    ids = user_country_ids(user)
    countries = Country.objects.all() if ids is None else Country.objects.filter(pk__in=ids)
    return list(countries.values_list("pk", flat=True))


# --- the admin mixin ---------------------------------------------------------------------------


class SpreadsheetExportMixin(ExportMixin):
    """Export of an admin list to CSV or XLSX: what the list shows the user (search and filters
    included), never a field their role may not see, and logged."""

    formats = SPREADSHEET_FORMATS
    export_form_class = ExportForm
    import_export_change_list_template = "admin/npm_tracker/change_list_spreadsheets.html"
    export_template_name = "admin/npm_tracker/export.html"

    def has_export_permission(self, request):
        return self.has_view_permission(request)

    def get_export_resource_classes(self, request):
        if self.resource_classes:
            return self.resource_classes
        return [list_resource_for(self.model)]

    def get_valid_export_item_pks(self, request):
        # The records an "export selected" may name: only those the user sees, so that an id out
        # of their scope is refused exactly like an unknown one.
        return self.get_queryset(request).values_list("pk", flat=True)

    def get_export_resource_kwargs(self, request, **kwargs):
        return {"user": request.user}

    def get_export_queryset(self, request):
        queryset = super().get_export_queryset(request)
        related = [
            f.name
            for f in self.model._meta.concrete_fields
            if f.is_relation and f.many_to_one and f.name not in confidential_fields_of(self.model)
        ]
        return queryset.select_related(*related) if related else queryset

    def get_data_for_export(self, request, queryset, **kwargs):
        export_form = kwargs.get("export_form")
        resource = self.choose_export_resource_class(export_form, request)(
            **self.get_export_resource_kwargs(request)
        )
        dataset = resource.export(queryset=resource.export_queryset(queryset))
        record_export(request, resource)
        return dataset
