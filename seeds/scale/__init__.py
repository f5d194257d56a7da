"""A deterministic generator of a large, realistic data set, for load tests and the benchmark.

``build_scale(scale)``: at scale 1 about one country for ten years (500 facilities, 6,000 visits,
20,000 allegations, 20,000 referrals with 100,000 events, 30,000 recommendations); scale 10 is ten
times that. Records are shared between Kazakhstan (60 %) and Kyrgyzstan (40 %).

Speed comes from PostgreSQL ``COPY`` instead of one service call per record; consistency comes
from replaying the same rules the services apply, in memory:

- every status is the ``to_status`` of the record's last event, and every event is a step the
  transition table in force allows (``cases.lifecycles``, ``facilities.lifecycles``) with the
  inputs it needs (external number, note, article and sentence, addressee, new term);
- the legal clocks are started and met by the same events as in ``cases.services``
  (``deadlines.referral_clock_changes``, ``facilities.lifecycles.RECOMMENDATION_CLOCK``),
  under the rule in force that day, with the due moment computed by
  ``npm_tracker.core.calendar.add_duration``, the function ``deadlines.due_moment`` uses;
- references and pseudonyms come from the same numbering scopes (``ReferenceSequence``), which are
  left at the last number handed out, so records created later continue the series;
- encrypted fields are encrypted by the field itself (``get_db_prep_value``), with the blind index
  of the victim's identity computed as ``Victim.save`` does;
- every deadline that was overdue and still open at a run of the overdue scan (every 15
  minutes) before the horizon carries ``overdue_notified_at`` of that run and its one
  ``Notification`` to the responsible officer, as ``cases.notifications.notify_overdue`` leaves
  them; what falls due after the horizon is left to the scan, as after a pause of the workers;
- the audit triggers fire on ``COPY`` as on any insert, attributed to ``command:seed``: each record
  has one history row, the snapshot of its state when loaded (as for records imported from
  paper files; the intermediate states exist in the event tables).

The same scale always produces the same records (one seeded random generator; the time line ends
at a fixed day). Allegations are not given reprisal follow-ups, evidence files or medical
examinations: the figures measured do not depend on them.

The modules: ``constants`` (size, time line, weighted walks, texts), ``tables`` (``COPY`` and the
history rows), ``reference`` (the reference data in memory), ``clocks`` (deadlines and overdue
notices), ``builder`` (the run, staff, facilities) with its mixins ``visits`` and ``allegations``.
"""

from .builder import Builder, build_scale, loaded_scale
from .constants import HORIZON, PER_SCALE, SCALE_SCOPE
from .tables import Tally

__all__ = ["HORIZON", "PER_SCALE", "SCALE_SCOPE", "Builder", "Tally", "build_scale", "loaded_scale"]
