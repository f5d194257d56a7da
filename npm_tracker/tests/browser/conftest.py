"""Browser tests: the app served by the processes ``make run`` starts (the web server, a Celery
worker and Celery beat), pointed at this test process's database and Redis broker, and driven by
the system Chromium through Playwright.

Every page a test opens is watched: a Content-Security-Policy violation or an uncaught
JavaScript error reported by the browser fails the test.
"""

import collections
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import pytest

from npm_tracker.tests.browser.helpers import DESKTOP, screenshot
from npm_tracker.tests.celery_helpers import ROOT, celery_process


def chromium_path() -> str:
    """The Debian ``chromium`` package (installed by scripts/bootstrap.sh), or CHROMIUM_PATH."""
    path = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
    if not os.access(path, os.X_OK):
        pytest.fail(
            f"Chromium not found at {path}: run scripts/bootstrap.sh (it installs the chromium "
            "package) or set CHROMIUM_PATH.",
            pytrace=False,
        )
    return path


class Output:
    """Drains a process's output in a thread (a full pipe would block the process) and keeps
    the last lines for the failure message."""

    def __init__(self, process: subprocess.Popen, name: str):
        self.process = process
        self.name = name
        self.lines: collections.deque = collections.deque(maxlen=200)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.process.stdout:
            self.lines.append(line.rstrip())

    def tail(self) -> str:
        return f"--- {self.name} (exit {self.process.poll()}) ---\n" + "\n".join(self.lines)

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def free_port(worker_id: str) -> int:
    """A free loopback port: when BROWSER_TEST_PORT is set, from there upwards (each test
    process in a range of its own), else one the OS picks."""
    first = int(os.environ.get("BROWSER_TEST_PORT", "0"))
    if first and worker_id.startswith("gw"):
        first += 50 * int(worker_id.removeprefix("gw"))
    for port in range(first, first + 50) if first else [0]:
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return sock.getsockname()[1]
    raise RuntimeError(f"no free port from {first}")


def start_web(env: dict, worker_id: str) -> tuple[str, Output]:
    """runserver on a free port, answering. The answer must be logged by this very process:
    another server taking the port between the check and the start would serve another
    database. A port taken meanwhile makes runserver exit; then another port is tried."""
    for _attempt in range(5):
        port = free_port(worker_id)
        process = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
            cwd=ROOT,
            env={**env, "SITE_URL": f"http://127.0.0.1:{port}"},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        web = Output(process, "web")
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while process.poll() is None and time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{url}/healthz", timeout=2):
                    pass
            except OSError:
                pass
            time.sleep(0.2)
            if any('"GET /healthz' in line for line in list(web.lines)):
                return url, web
        web.stop()
        if "already in use" not in web.tail():
            raise AssertionError("the web server did not answer\n" + web.tail())
    raise AssertionError("no port found for the web server\n" + web.tail())


@dataclass
class Stack:
    env: dict
    mail_dir: Path
    processes: list = field(default_factory=list)

    def check_alive(self):
        for process in self.processes:
            assert process.process.poll() is None, process.tail()

    def logs(self) -> str:
        return "\n".join(p.tail() for p in self.processes)


@pytest.fixture(scope="session")
def stack(django_db_setup, celery_broker_per_test_process, tmp_path_factory, worker_id):
    """Celery worker and beat for the whole session, on the test database and the Redis broker
    of this test process. Beat runs the overdue scan every 2 seconds."""
    from django.conf import settings

    chromium_path()
    db = settings.DATABASES["default"]
    database_url = (
        f"postgres://{quote(db['USER'], safe='')}:{quote(db['PASSWORD'], safe='')}"
        f"@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{quote(db['NAME'], safe='')}"
    )
    base = tmp_path_factory.mktemp("stack")
    # A Redis database of its own, four away from this process's broker: the other tests of this
    # process start workers of their own on that broker, and this session-long worker must not
    # take their tasks (nor they its).
    prefix, _slash, number = celery_broker_per_test_process.rpartition("/")
    number = int(number)
    broker = f"{prefix}/{number + 4 if number + 4 <= 15 else number - 4}"
    import redis

    redis.Redis.from_url(broker).flushdb()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DATABASE_CONN_MAX_AGE": "0",
        "CELERY_BROKER_URL": broker,
        "CACHE_URL": broker,
        "REQUIRE_TWO_FACTOR": "true",
        "OVERDUE_SCAN_SECONDS": "2",
        "MEDIA_ROOT": str(base / "media"),
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(base / "mail"),
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    result = Stack(env=env, mail_dir=base / "mail")
    name = f"browser-{worker_id}@%h"
    result.processes.append(
        Output(
            celery_process(["worker", "--pool=solo", "--loglevel=INFO", "-n", name], env), "worker"
        )
    )
    result.processes.append(
        Output(
            celery_process(["beat", "--loglevel=INFO", "-s", str(base / "beat-schedule")], env),
            "beat",
        )
    )
    try:
        yield result
    finally:
        for process in result.processes:
            process.stop()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def server(stack, transactional_db, request, worker_id):
    """The web server as ``make run`` starts it (runserver, static files by whitenoise), on a
    free loopback port. One per test: a transactional test ends by emptying every table, content
    types included, and a long-lived server would keep their old ids in its cache."""
    url, web = start_web(stack.env, worker_id)
    stack.check_alive()
    try:
        yield url
    finally:
        web.stop()
        call = getattr(request.node, "report_call", None)
        if call is not None and call.failed:
            print(web.tail(), stack.logs(), sep="\n")


@pytest.fixture(scope="module")
def browser():
    """Chromium for the tests of one module. Playwright's event loop counts as running in this
    thread while it is started, and Django refuses ORM calls from a running loop: the ORM calls
    of these tests (given / then, between browser steps) are allowed while it runs, and only
    then, so the other tests of the process keep Django's check."""
    from playwright.sync_api import sync_playwright

    path = chromium_path()
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(
                executable_path=path, headless=True, args=["--no-sandbox"]
            )
            yield chromium
            chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


class BrowserProblems:
    """What the browser reports while a test runs: CSP violations and uncaught errors."""

    def __init__(self):
        self.messages: list[str] = []

    def console(self, message):
        text = message.text
        if "Content Security Policy" in text or "Refused to" in text:
            self.messages.append(f"console {message.type} at {message.location}: {text}")

    def page_error(self, error):
        self.messages.append(f"uncaught error: {error}")


@pytest.fixture
def officer(reference):
    """An NPM head for Kazakhstan with a TOTP device, logging in with a second factor."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from conftest import make_staff

    user = make_staff("aigerim", "KZ")
    user.email = "aigerim@npm.example"
    user.save(update_fields=["email"])
    TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    return user


@pytest.fixture
def problems():
    return BrowserProblems()


@pytest.fixture
def page(browser, server, problems, request):
    """A fresh browser (own cookies) at 1280×800 in English, watched for CSP violations and
    uncaught JavaScript errors; any of them fails the test."""
    context = browser.new_context(
        viewport=DESKTOP, locale="en-US", base_url=server, accept_downloads=True
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.on("console", problems.console)
    page.on("pageerror", problems.page_error)
    yield page
    call = getattr(request.node, "report_call", None)
    if call is not None and call.failed:
        screenshot(page, f"failed-{request.node.name}", full_page=True)
        print(f"The page at failure: {page.url}")
    context.close()
    if problems.messages:
        pytest.fail("The browser reported:\n" + "\n".join(problems.messages), pytrace=False)
