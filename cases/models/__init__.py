"""Allegations of torture and ill-treatment, the people in them, their consent and evidence,
and referrals to the prosecutor's office (DOMAIN.md sections 2-6).

Allegations, victims, witnesses, consents, medical examinations, evidence, referrals and their
events are evidence: nothing deletes them, neither the ORM (``delete()`` raises) nor SQL (a
trigger refuses), and foreign keys onto them PROTECT.

The models live in modules by sub-domain; every name is importable from ``cases.models`` as
before, which is where the migrations find ``evidence_path`` and ``DateRange``.
"""

from django.db import models

# The modules are imported in the order the models were always defined: it is the order of their
# foreign keys, and the order in which the app registers its models (content types, history).
# isort: off
from cases.models.base import Evidence_, no_delete
from cases.models.vocabularies import (
    AllegationSource,
    ConsistencyLevel,
    Method,
    PlaceOfIncident,
    ProsecutorClient,
    ProsecutorOffice,
    prosecutor_office_id_of,
)
from cases.models.rules import DateRange, DeadlineRule
from cases.models.allegations import Allegation, Incident
from cases.models.parts import (
    AllegationPart,
    Consent,
    Evidence,
    MedicalExamination,
    Perpetrator,
    Victim,
    Witness,
    evidence_path,
    original_path,
)
from cases.models.referrals import AllegationEvent, Referral, ReferralEvent
from cases.models.follow_ups import ReprisalFollowUp
from cases.models.deadlines import Deadline, DeadlineQuerySet, Notification
from cases.models.medical import Lesion, PsychologicalEvaluation
from cases.models.custody import CustodyEvent

# isort: on
# Importable from here as they always were (the facility register the cases refer to).
from facilities.models import Agency, Country, Facility, Region, Visit
from npm_tracker.core import audit

__all__ = [
    "CONFIDENTIAL_FIELDS",
    "Agency",
    "Allegation",
    "AllegationEvent",
    "AllegationPart",
    "AllegationSource",
    "Consent",
    "ConsistencyLevel",
    "Country",
    "CustodyEvent",
    "DateRange",
    "Deadline",
    "DeadlineQuerySet",
    "DeadlineRule",
    "Evidence",
    "Evidence_",
    "Facility",
    "Incident",
    "Lesion",
    "MedicalExamination",
    "Method",
    "Notification",
    "Perpetrator",
    "PlaceOfIncident",
    "ProsecutorClient",
    "ProsecutorOffice",
    "PsychologicalEvaluation",
    "Referral",
    "ReferralEvent",
    "Region",
    "ReprisalFollowUp",
    "Victim",
    "Visit",
    "Witness",
    "evidence_path",
    "no_delete",
    "original_path",
    "prosecutor_office_id_of",
]

# Every change of these tables is recorded by a database trigger (npm_tracker.core.audit). The
# confidential fields are recorded as changed, never with their values.
CONFIDENTIAL_FIELDS: dict[type[models.Model], tuple[str, ...]] = {
    Allegation: ("injuries",),
    Victim: ("full_name", "date_of_birth", "citizenship", "contact_details", "identity_index"),
    Witness: ("full_name", "contact_details", "statement"),
    Perpetrator: ("name", "name_index"),
    MedicalExamination: ("findings", "examiner", "account", "opinion"),
    Lesion: ("size", "colour", "age_estimate", "description"),
    PsychologicalEvaluation: ("evaluator", "symptoms", "opinion"),
    Evidence: ("filename",),
}
for _model in (
    Method,
    AllegationSource,
    PlaceOfIncident,
    ConsistencyLevel,
    ProsecutorOffice,
    DeadlineRule,
    Incident,
    Allegation,
    Victim,
    Witness,
    Perpetrator,
    MedicalExamination,
    Lesion,
    PsychologicalEvaluation,
    Consent,
    Evidence,
    Referral,
    ReferralEvent,
    AllegationEvent,
    ReprisalFollowUp,
    Deadline,
):
    audit.track(_model, confidential=CONFIDENTIAL_FIELDS.get(_model, ()))
audit.track(Allegation.methods.through, app_label="cases", model_name="AllegationMethodsHistory")
