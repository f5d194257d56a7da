"""A deterministic, realistic demo data set, built through the services.

The same code on the same reference data always builds the same records (one seeded random
generator, fixed dates), so screenshots, manual tests and bug reports can refer to them.
Building twice changes nothing: the second run sees the demo facilities and stops.

The modules: ``constants`` (dates, names, texts, lifecycle paths), ``builder`` (the demo login,
the facilities, visits and allegations created through the services) and ``walker`` (the records
moved through their lifecycles).
"""

from .builder import DemoBuilder, build_demo, demo_user
from .constants import DEMO_GROUP, DEMO_MARKER
from .walker import LifecycleWalker

__all__ = ["DEMO_GROUP", "DEMO_MARKER", "DemoBuilder", "LifecycleWalker", "build_demo", "demo_user"]
