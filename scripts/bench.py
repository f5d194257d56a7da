"""``make bench``: the system at ten times a national workload, measured against a floor.

Starts the real stack (gunicorn with 2 workers on a loopback port, a Celery worker, PostgreSQL and
Redis) on a database of its own loaded with ``seed --scale`` (created when missing, reused when
already loaded at the same scale), measures each figure together with its floor, prints one table
and writes it to docs/performance.md with the machine description.

The floor of a figure is the least work that can produce it: the same rows, columns and joins
fetched with one hand-written SQL query through psycopg2 and serialised with ``json.dumps``, in
the same run, on the same data. What counts is the ratio; the machine may be shared and noisy.

Environment: BENCH_DATABASE_URL (default: database npm_bench of the development server),
BENCH_REDIS_URL (default: Redis database 1), BENCH_PORT (8300), BENCH_SCALE (10), BENCH_REPEAT
(20 requests per latency figure).

The work lives in the package beside this file, one module per concern (scripts/benchkit/): the
run's settings, the stack, measuring, the SQL floors, the API and admin figures, the background
work and intake figures, and the table and docs/performance.md.
"""

import sys
from pathlib import Path

# scripts/ is not a package: the bench's own modules are found beside this file, however it is run.
sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchkit.main import main

if __name__ == "__main__":
    main()
