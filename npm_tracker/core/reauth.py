"""Sensitive admin actions (managing users, their roles and two-factor devices) ask for the
password again when the last one was typed more than ``REAUTH_SECONDS`` ago."""

import time

from django import forms
from django.conf import settings
from django.contrib.auth import authenticate, user_logged_in
from django.dispatch import receiver
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext_lazy as _

SESSION_KEY = "npm_password_at"


@receiver(user_logged_in)
def _remember_login(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        request.session[SESSION_KEY] = time.time()


def recently_authenticated(request) -> bool:
    typed = request.session.get(SESSION_KEY, 0)
    return time.time() - typed < settings.REAUTH_SECONDS


class RecentPasswordRequiredMixin:
    """For a ModelAdmin: its add, change and delete pages ask for the password again."""

    def _reauth(self, request):
        if recently_authenticated(request):
            return None
        url = reverse("admin:reauth") + "?" + urlencode({"next": request.get_full_path()})
        return HttpResponseRedirect(url)

    def changeform_view(self, request, *args, **kwargs):
        return self._reauth(request) or super().changeform_view(request, *args, **kwargs)

    def delete_view(self, request, *args, **kwargs):
        return self._reauth(request) or super().delete_view(request, *args, **kwargs)


class PasswordAgainForm(forms.Form):
    password = forms.CharField(label=_("Your password"), widget=forms.PasswordInput)


def reauth_view(request, admin_site):
    target = request.GET.get("next") or reverse("admin:index")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}):
        target = reverse("admin:index")
    form = PasswordAgainForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = authenticate(
            request,
            username=request.user.get_username(),
            password=form.cleaned_data["password"],
        )
        if user is not None and user.pk == request.user.pk:
            request.session[SESSION_KEY] = time.time()
            return HttpResponseRedirect(target)
        form.add_error("password", _("This is not your password."))
    context = {
        **admin_site.each_context(request),
        "title": _("Confirm with your password"),
        "form": form,
    }
    return TemplateResponse(request, "admin/npm_tracker/reauth.html", context)
