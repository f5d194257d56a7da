"""The device list of the admin: a head revokes a device, whose next sync is then refused."""

import uuid

import pytest
from django.urls import reverse

from conftest import make_staff
from facilities.tests.factories import make_facility
from fieldkit.models import Device
from fieldkit.tests.test_sync import a_whole_visit, batch
from npm_tracker.tests.api_helpers import api_as, assert_problem

pytestmark = pytest.mark.django_db


def test_a_head_revokes_a_device_and_its_next_sync_is_refused(client, reference):
    partner = api_as("KZ", "read write")
    facility = make_facility()
    device = str(uuid.uuid4())
    sent = partner.post(
        "/api/v1/sync/", batch(a_whole_visit(facility)[0], device=device), format="json"
    )
    assert sent.status_code == 200
    head = make_staff("head", "KZ", roles=("npm_head",), direct_permissions=False)
    client.force_login(head)
    listing = client.get(reverse("admin:fieldkit_device_changelist"))
    assert listing.status_code == 200 and device in listing.content.decode()
    done = client.post(
        reverse("admin:fieldkit_device_changelist"),
        {"action": "revoke", "_selected_action": [device]},
        follow=True,
    )
    assert done.status_code == 200
    assert Device.objects.get(pk=device).revoked_at is not None
    again = partner.post(
        "/api/v1/sync/", batch(a_whole_visit(facility)[0], device=device), format="json"
    )
    assert_problem(again, 403, "device_revoked")


def test_a_monitor_does_not_manage_devices(client, reference):
    monitor = make_staff("monitor", "KZ", roles=("monitor",), direct_permissions=False)
    client.force_login(monitor)
    assert client.get(reverse("admin:fieldkit_device_changelist")).status_code == 403
