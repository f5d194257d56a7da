"""Admin foundations: scoping by country, saving through services, never deleting evidence.

Every domain ``ModelAdmin`` and inline of the project derives from the classes here, so what a
staff user sees (lists, forms, choices, autocomplete) is always ``visible_to(user)``, and every
save goes through the service of its model.
"""

from django.contrib import admin
from django.contrib.admin.widgets import RelatedFieldWidgetWrapper
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from npm_tracker.models import StaffProfile
from npm_tracker.scoping import ScopedQuerySet, user_country_ids
from npm_tracker.services import validated_save

admin.site.site_header = _("NPM Tracker")
admin.site.site_title = _("NPM Tracker")
admin.site.index_title = _("Monitoring places of detention")


def staff_of_my_countries(user):
    """Active staff users who share at least one country with ``user``."""
    users = get_user_model().objects.filter(is_active=True, is_staff=True)
    ids = user_country_ids(user)
    if ids is None:
        return users
    return users.filter(staff_profile__countries__in=ids).distinct()


class ScopedFormMixin:
    """Choices in forms offer only what the user may see."""

    def _scope(self, request, db_field, kwargs):
        related = db_field.related_model
        if related is get_user_model():
            kwargs.setdefault("queryset", staff_of_my_countries(request.user))
        elif isinstance(related._default_manager.all(), ScopedQuerySet):
            kwargs.setdefault("queryset", related._default_manager.visible_to(request.user))
        return kwargs

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        # Records referred to are protected; offering to delete them from another form only
        # leads to a refusal.
        if field is not None and isinstance(field.widget, RelatedFieldWidgetWrapper):
            field.widget.can_delete_related = False
        return field

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        return super().formfield_for_foreignkey(
            db_field, request, **self._scope(request, db_field, kwargs)
        )

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        return super().formfield_for_manytomany(
            db_field, request, **self._scope(request, db_field, kwargs)
        )

    def persist(self, request, obj):
        """Save one object through its service. Overridden per model."""
        return validated_save(obj)


class ScopedAdmin(ScopedFormMixin, admin.ModelAdmin):
    """Base of every domain ``ModelAdmin``."""

    list_per_page = 50
    show_full_result_count = False
    view_on_site = False

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)

    def save_model(self, request, obj, form, change):
        with transaction.atomic():
            self.persist(request, obj)

    def save_formset(self, request, form, formset, change):
        inline = self._inline_for(request, formset.model)
        for obj in formset.save(commit=False):
            inline.persist(request, obj)
        for obj in formset.deleted_objects:
            obj.delete()
        formset.save_m2m()

    def _inline_for(self, request, model):
        for inline in self.get_inline_instances(request):
            if inline.model is model:
                return inline
        raise LookupError(model)


class ScopedInlineMixin(ScopedFormMixin):
    """Base of every inline: same scoping, same services."""

    extra = 0
    show_change_link = True


class ScopedTabularInline(ScopedInlineMixin, admin.TabularInline):
    pass


class ScopedStackedInline(ScopedInlineMixin, admin.StackedInline):
    pass


class EvidenceAdminMixin:
    """Records that are evidence: no delete button, no delete action, no delete view."""

    def has_delete_permission(self, request, obj=None):
        return False


class VocabularyAdmin(ScopedAdmin):
    """Reference data: code, names in four languages, country, validity."""

    list_display = ("code", "name", "country", "valid_from", "valid_to", "sort_order")
    list_filter = ("country",)
    search_fields = ("code", "name_en", "name_ru", "name_kk", "name_ky")
    ordering = ("sort_order", "code")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("country")


class StaffProfileInline(admin.StackedInline):
    model = StaffProfile
    can_delete = False
    filter_horizontal = ("countries",)
    verbose_name_plural = _("countries and language")


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """Staff accounts with the countries they work for."""

    inlines = (StaffProfileInline,)
    list_display = ("username", "email", "first_name", "last_name", "is_staff", "countries")

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("staff_profile__countries")

    @admin.display(description=_("countries"))
    def countries(self, obj):
        profile = getattr(obj, "staff_profile", None)
        if profile is None:
            return ""
        return ", ".join(c.code for c in profile.countries.all())
