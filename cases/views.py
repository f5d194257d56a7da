"""Staff downloads outside the admin's model pages."""

from django.http import Http404

from cases import choices
from cases.models import Evidence
from cases.services import custody_record
from cases.uploads import evidence_file_response
from npm_tracker.core import roles
from npm_tracker.core.access import record_reads
from npm_tracker.core.models import AccessChannel


def evidence_file(request, name):
    """An evidence file, decrypted, for staff who may see its allegation; each download is
    logged. (Wrapped by the admin site: login and two-factor rules apply.)"""
    evidence = (
        Evidence.objects.visible_to(request.user)
        .select_related("allegation")
        .filter(file=name)
        .first()
    )
    # Only a role that sees the case's identity and medical data downloads its files; to anyone
    # else the file does not exist.
    if evidence is None or not roles.sees_identity(request.user, evidence.allegation):
        raise Http404
    record_reads(
        actor=request.user,
        channel=AccessChannel.ADMIN,
        records=[evidence],
        what="evidence file",
        request=request,
    )
    custody_record(actor=request.user, evidence=evidence, kind=choices.CustodyKind.DOWNLOADED)
    return evidence_file_response(evidence)
