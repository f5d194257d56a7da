"""All writes of allegations, the people in them, consent, evidence, referrals and follow-ups.

Each service validates completely before it writes and runs in one transaction; reference numbers
come from a sequence row locked by the same transaction, so a refused write hands out no number.
Status changes are not here: they belong to the one transition service of each lifecycle.
The services live in modules by sub-domain; every one is importable from ``cases.services``.
"""

from cases.services.allegations import (
    ADULT_AGE,
    allegation_create,
    allegation_part_save,
    allegation_save,
    allegation_update,
    lesion_save,
    medical_examination_add,
    victim_ensure,
    victim_save,
)
from cases.services.consents import consent_grant, consent_save, consent_set, consent_withdraw
from cases.services.evidence import custody_record, evidence_add, evidence_save
from cases.services.follow_ups import follow_up_ensure
from cases.services.intake import complaint_intake
from cases.services.referrals import (
    _referral_clocks,
    allegation_transition,
    referral_create,
    referral_save,
    referral_transition,
)
from cases.services.reprisals import follow_up_close

__all__ = [
    "ADULT_AGE",
    "_referral_clocks",
    "allegation_create",
    "allegation_part_save",
    "allegation_save",
    "allegation_transition",
    "allegation_update",
    "complaint_intake",
    "consent_grant",
    "consent_save",
    "consent_set",
    "consent_withdraw",
    "custody_record",
    "evidence_add",
    "evidence_save",
    "follow_up_close",
    "follow_up_ensure",
    "lesion_save",
    "medical_examination_add",
    "referral_create",
    "referral_save",
    "referral_transition",
    "victim_ensure",
    "victim_save",
]
