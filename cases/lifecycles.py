"""Transition tables of allegations and referrals (LIFECYCLES.md), by country and date.

To change a lifecycle from a date, add a ``TableVersion`` with that ``effective_from``: records
opened from that day follow it, older ones keep the version they were opened under.
"""

from datetime import date

from npm_tracker.core.workflow import Lifecycle, Step, TableVersion

S = Step.make

ALLEGATION = Lifecycle(
    "allegation",
    [
        TableVersion(
            effective_from=date(2012, 7, 12),
            source="LIFECYCLES.md: Allegation",
            steps=(
                S("under_assessment", ["received"]),
                S("under_assessment", ["closed"], needs=["note"]),  # reopening
                S("closed", ["received", "under_assessment"], needs=["reason"]),
                S("closed", ["referred"], needs=["reason"]),  # once every referral is final
                S("referred", ["received", "under_assessment"], by_staff=False),
            ),
        )
    ],
)

# Statuses after which nothing more is expected, unless an appeal reopens the matter.
REFERRAL_FINAL = frozenset({"convicted", "refused", "forwarded", "terminated", "acquitted"})

_REFERRAL_COMMON = (
    S("sent", ["draft"]),
    S("acknowledged", ["sent"]),
    S("registered", ["sent", "acknowledged", "appealed"], needs=["external_number"]),
    S("forwarded", ["sent", "acknowledged"], needs=["note"]),
    S("convicted", ["in_court"], needs=["article", "sentence"]),
    S("acquitted", ["in_court"]),
    S("appealed", ["refused", "forwarded", "terminated", "acquitted"], needs=["addressee"]),
)

REFERRAL = Lifecycle(
    "referral",
    [
        TableVersion(
            country="KZ",
            effective_from=date(2014, 1, 1),
            source="CPC of Kazakhstan Arts. 179-192; LIFECYCLES.md: Referral",
            steps=(
                *_REFERRAL_COMMON,
                S("refused", ["sent", "acknowledged", "appealed"], needs=["note"]),
                S("investigation_extended", ["registered"], target=None, needs=["new_term"]),
                S("terminated", ["registered"], needs=["note"]),
                S("sent_to_court", ["registered"], target="in_court"),
            ),
        ),
        TableVersion(
            country="KG",
            effective_from=date(2012, 7, 12),
            source="CPC of Kyrgyzstan (2021); LIFECYCLES.md: Referral",
            steps=(
                *_REFERRAL_COMMON,
                S("case_opened", ["registered"]),
                S("refused", ["sent", "acknowledged", "registered", "appealed"], needs=["note"]),
                S("investigation_extended", ["case_opened"], target=None, needs=["new_term"]),
                S("terminated", ["case_opened"], needs=["note"]),
                S("sent_to_court", ["case_opened"], target="in_court"),
            ),
        ),
    ],
)


# Closing a reprisal follow-up: its outcome is the step.
FOLLOW_UP = Lifecycle(
    "reprisal_follow_up",
    [
        TableVersion(
            effective_from=date(2012, 7, 12),
            source="OPCAT Art. 21; DOMAIN.md §6",
            steps=(
                S("no_reprisal", ["open"], target="closed"),
                S("reprisal_reported", ["open"], target="closed", needs=["note"]),
            ),
        )
    ],
)
