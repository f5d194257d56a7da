"""Transition tables of recommendations and visits (LIFECYCLES.md), by country and date.

To change a lifecycle from a date, add a ``TableVersion`` with that ``effective_from``: records
opened from that day follow it, older ones keep the version they were opened under.
"""

from datetime import date

from npm_tracker.core.workflow import Lifecycle, Step, TableVersion

S = Step.make

_ALL_BUT_DRAFT = [
    "issued",
    "response_received",
    "accepted",
    "partially_accepted",
    "rejected",
    "in_progress",
    "implemented",
    "partially_implemented",
    "not_implemented",
]

RECOMMENDATION = Lifecycle(
    "recommendation",
    [
        TableVersion(
            effective_from=date(2012, 7, 12),
            source="OPCAT Arts. 22-23; LIFECYCLES.md: Recommendation",
            steps=(
                S("issued", ["draft"]),
                S("response_received", ["issued"]),
                S("accepted", ["response_received"]),
                S("partially_accepted", ["response_received"]),
                S("rejected", ["response_received"]),
                S("in_progress", ["accepted", "partially_accepted"]),
                S("implemented", ["accepted", "partially_accepted", "in_progress"]),
                S("partially_implemented", ["accepted", "partially_accepted", "in_progress"]),
                S("not_implemented", ["accepted", "partially_accepted", "in_progress"]),
                S("obsolete", _ALL_BUT_DRAFT),
            ),
        )
    ],
)

VISIT = Lifecycle(
    "visit",
    [
        TableVersion(
            effective_from=date(2012, 7, 12),
            source="LIFECYCLES.md: Visit",
            steps=(
                S("in_progress", ["planned"]),
                S("report_drafted", ["in_progress"]),
                S("report_approved", ["report_drafted"]),
                S("report_sent", ["report_approved"]),
                S("cancelled", ["planned"]),
            ),
        )
    ],
)

# Which legal clock an issued recommendation starts, by its source (LIFECYCLES.md); a response
# or the recommendation's becoming obsolete meets it.
RECOMMENDATION_CLOCK = {
    "visit_report": "recommendation_response",
    "individual": "recommendation_response",
    "annual_report": "annual_report_response",
}
