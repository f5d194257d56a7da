"""Helpers for tests that submit admin forms as a browser would: the values a change page shows,
ready to post back with changes."""


def form_data(response) -> dict:
    """The values of an admin add/change page's form and inline formsets, as a browser posts
    them (unchanged); a test overrides the ones it changes."""
    context = response.context
    data: dict = {}
    _add_form(data, context["adminform"].form)
    for inline in context.get("inline_admin_formsets", []):
        formset = inline.formset
        management = formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = management[name].value()
        for form in formset.forms:
            _add_form(data, form)
    return data


def _add_form(data: dict, form) -> None:
    for name, field in form.fields.items():
        if field.disabled:
            continue
        value = form[name].value()
        key = form.add_prefix(name)
        if value is None or value is False:
            continue
        widget = field.widget
        if hasattr(widget, "decompress") and not isinstance(value, list | tuple):
            for index, part in enumerate(widget.decompress(value)):
                if part is not None:
                    data[f"{key}_{index}"] = str(part)
        elif value is True:
            data[key] = "on"
        elif isinstance(value, list | tuple):
            # A browser posts only the options the page offers.
            offered = (
                {str(pk) for pk in field.queryset.values_list("pk", flat=True)}
                if hasattr(field, "queryset")
                else None
            )
            data[key] = [str(item) for item in value if offered is None or str(item) in offered]
        else:
            data[key] = str(value)
