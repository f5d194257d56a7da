"""Writes of the field kit: a device's claim on its id, the record of a batch."""

from django.utils import timezone

from fieldkit.models import Device, SyncBatch


class DeviceRevoked(Exception):
    pass


class DeviceOfAnother(Exception):
    pass


def device_locked(*, device_id, owner: str, user) -> Device:
    """The device, row-locked for the caller's transaction (one batch of a device at a time:
    the same batch sent twice at once waits, then replays); registered to the caller at its
    first sync. A device of another caller, or one revoked, is refused."""
    Device.objects.get_or_create(pk=device_id, defaults={"owner": owner, "user": user})
    device = Device.objects.select_for_update().get(pk=device_id)
    if device.owner != owner:
        raise DeviceOfAnother()
    if device.revoked_at is not None:
        raise DeviceRevoked()
    return device


def device_status(*, device_id, owner: str, user, pending: int) -> Device:
    """The device's report of the operations waiting on it (registered to the caller if new;
    a device of another caller is refused)."""
    device, _created = Device.objects.get_or_create(
        pk=device_id, defaults={"owner": owner, "user": user}
    )
    if device.owner != owner:
        raise DeviceOfAnother()
    device.pending_operations = pending
    device.reported_at = timezone.now()
    device.save(update_fields=["pending_operations", "reported_at"])
    return device


def batch_record(*, device: Device, batch_id, fingerprint: str, results: list) -> SyncBatch:
    device.last_sync_at = timezone.now()
    device.save(update_fields=["last_sync_at"])
    return SyncBatch.objects.create(
        device=device, batch_id=batch_id, fingerprint=fingerprint, results=results
    )


def device_revoke(*, device: Device) -> Device:
    """The device's next sync is refused (403 ``device_revoked``); the field kit then wipes
    what it holds."""
    if device.revoked_at is None:
        device.revoked_at = timezone.now()
        device.save(update_fields=["revoked_at"])
    return device
