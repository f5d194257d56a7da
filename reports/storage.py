"""Where report files are kept: encrypted at rest like evidence (a referral letter names the
victim, the perpetrators and the medical findings)."""

from pathlib import PurePosixPath

from django.urls import reverse
from django.utils.deconstruct import deconstructible

from npm_tracker.core.storage import EncryptedFileSystemStorage


@deconstructible
class ReportFileStorage(EncryptedFileSystemStorage):
    def url(self, name):
        """The admin's access-checked, logged download of the run (the file is named by the
        run's id, ``reports/<country>/<kind>/<id>.pdf``), never the stored file."""
        run_id = PurePosixPath(name).stem[:36]
        return reverse("admin:reports_reportrun_download", args=[run_id])


def report_storage():
    return ReportFileStorage()
