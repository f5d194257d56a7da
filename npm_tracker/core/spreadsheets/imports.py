"""Import of registers: every row checked and saved through the model's service in one
transaction, previewed first, and all rows or none."""

from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.template.response import TemplateResponse
from django.utils.encoding import force_str
from django.utils.html import conditional_escape, format_html
from django.utils.translation import gettext
from import_export import fields, resources
from import_export.admin import ImportMixin

from npm_tracker.core.spreadsheets.columns import TextWidget, _text
from npm_tracker.core.spreadsheets.resources import SPREADSHEET_FORMATS, ScopedResource


class PlainDiff(resources.Diff):
    """The preview's cells as plain markup: the library's diff writes inline styles, which the
    Content-Security-Policy refuses (the stylesheet colours ``ins`` and ``del`` instead)."""

    def as_html(self):
        cells = []
        for old, new in zip(self.left, self.right, strict=False):
            old, new = force_str(old), force_str(new)
            if self.new or old == new:
                cells.append(conditional_escape(new))
            else:
                cells.append(format_html("<del>{}</del> <ins>{}</ins>", old, new))
        return cells


class ImportResource(ScopedResource):
    """A resource whose rows are saved through the model's service, by the importing user.

    A row naming an ``id`` updates that record (if the user sees it and may change it); any
    other row creates one.
    """

    id = fields.Field(attribute="id", column_name="id", readonly=True, widget=TextWidget())

    class Meta:
        abstract = True
        use_transactions = True
        clean_model_instances = False  # the service validates completely (validated_save)
        skip_unchanged = False

    @classmethod
    def get_diff_class(cls):
        return PlainDiff

    def persist(self, instance):  # pragma: no cover - overridden
        raise NotImplementedError

    def get_instance(self, instance_loader, row):
        pk = _text(row.get("id"))
        if not pk:
            return None
        try:
            instance = self.get_queryset().filter(pk=pk).first()
        except ValidationError:
            instance = None
        if instance is None:
            raise ValidationError({"id": gettext("No record with this id.")})
        opts = instance._meta
        if not self.user.has_perm(f"{opts.app_label}.change_{opts.model_name}"):
            raise ValidationError({"id": gettext("You may not change this record.")})
        return instance

    def column_of(self, attribute: str) -> str:
        for field in self.fields.values():
            if field.attribute == attribute or (
                field.attribute and field.attribute.removesuffix("_id") == attribute
            ):
                return field.column_name
        return attribute

    def as_columns(self, error: ValidationError) -> ValidationError:
        """Errors keyed by the file's column names, which is what the user sees."""
        if not hasattr(error, "error_dict"):
            return error
        keyed: dict = {}
        for attribute, errors in error.error_dict.items():
            column = (
                NON_FIELD_ERRORS if attribute == NON_FIELD_ERRORS else self.column_of(attribute)
            )
            keyed.setdefault(column, []).extend(errors)
        return ValidationError(keyed)

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        # Cells that could not be read are reported with the field checks of the model that do
        # not need them (a negative capacity next to an unknown region); a row whose cells all
        # read is validated completely by its service when it is saved.
        errors = dict(import_validation_errors or {})
        if not errors:
            return
        exclude = set(errors) | {f.name for f in instance._meta.fields if not f.editable}
        try:
            instance.clean_fields(exclude=exclude)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        raise self.as_columns(ValidationError(errors))

    def save_instance(self, instance, is_create, row, **kwargs):
        try:
            super().save_instance(instance, is_create, row, **kwargs)
        except ValidationError as error:
            raise self.as_columns(error) from None

    def do_instance_save(self, instance, is_create):
        self.persist(instance)


# --- the admin mixin ---------------------------------------------------------------------------


class SpreadsheetImportMixin(ImportMixin):
    """Import of a register from CSV or XLSX with a preview; all rows or none."""

    formats = SPREADSHEET_FORMATS
    import_export_change_list_template = "admin/npm_tracker/change_list_spreadsheets.html"
    import_template_name = "admin/npm_tracker/import.html"
    import_error_display = ("message",)

    def has_import_permission(self, request):
        return self.has_add_permission(request)

    def get_import_resource_kwargs(self, request, **kwargs):
        return {"user": request.user}

    def get_import_data_kwargs(self, **kwargs):
        kwargs.pop("form", None)
        kwargs.pop("request", None)
        return {**kwargs, "use_transactions": True, "rollback_on_validation_errors": True}

    def process_result(self, result, request):
        if result.has_errors() or result.has_validation_errors():
            # The file changed meaning since its preview (someone else's edit): nothing was
            # written; show why.
            messages.error(request, gettext("Nothing was imported: the file has errors."))
            context = {
                **self.admin_site.each_context(request),
                "title": gettext("Import"),
                "form": self.get_import_form_class(request)(
                    self.get_import_formats(), self.get_import_resource_classes(request)
                ),
                "opts": self.model._meta,
                "result": result,
                "import_error_display": self.import_error_display,
                "fields_list": [],
            }
            return TemplateResponse(request, [self.import_template_name], context)
        return super().process_result(result, request)

    def import_action(self, request, **kwargs):
        if not self.has_import_permission(request):
            raise PermissionDenied
        return super().import_action(request, **kwargs)
