"""Places of detention, the jurisdictions and bodies that monitor them, visits and
recommendations (DOMAIN.md sections 1-4).

The models live in modules by sub-domain; every name is importable from ``facilities.models`` as
before, ``Country`` included (it lives in the core).
"""

# The modules are imported in the order the models were always defined: it is the order of their
# foreign keys, and the order in which the app registers its models (content types, history).
# isort: off
from facilities.models.vocabularies import (
    Agency,
    ExaminedArea,
    FacilityType,
    NpmBody,
    ObstacleType,
    Region,
    VisitType,
)
from facilities.models.facilities import Facility
from facilities.models.visits import (
    DissentingOpinion,
    Visit,
    VisitChild,
    VisitFinding,
    VisitObstacle,
    VisitTeamMember,
)
from facilities.models.recommendations import Recommendation
from facilities.models.events import (
    RecommendationEvent,
    RecommendationResponse,
    ResponseAssessment,
    VisitEvent,
)

# isort: on
from npm_tracker.core import audit
from npm_tracker.core.models import Country

__all__ = [
    "Agency",
    "Country",
    "DissentingOpinion",
    "ExaminedArea",
    "Facility",
    "FacilityType",
    "NpmBody",
    "ObstacleType",
    "Recommendation",
    "RecommendationEvent",
    "RecommendationResponse",
    "Region",
    "ResponseAssessment",
    "Visit",
    "VisitChild",
    "VisitEvent",
    "VisitFinding",
    "VisitObstacle",
    "VisitTeamMember",
    "VisitType",
]

# Every change of these tables is recorded by a database trigger (npm_tracker.core.audit).
for _model in (
    NpmBody,
    Region,
    Agency,
    FacilityType,
    VisitType,
    ExaminedArea,
    ObstacleType,
    Facility,
    Visit,
    VisitTeamMember,
    VisitObstacle,
    VisitFinding,
    DissentingOpinion,
    Recommendation,
    VisitEvent,
    RecommendationEvent,
    RecommendationResponse,
):
    audit.track(_model)
