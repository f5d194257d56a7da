"""The containerised deployment description, checked by parsing it (no container engine needed)."""

import itertools
import re
import shlex
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest
import redis as redis_lib
import yaml

ROOT = Path(__file__).resolve().parents[2]
APP_SERVICES = ("web", "worker", "beat")


@pytest.fixture(scope="module")
def services():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    return compose["services"]


@pytest.fixture(scope="module")
def dockerfile():
    return (ROOT / "Dockerfile").read_text(encoding="utf-8")


def command_of(service):
    command = service["command"]
    return command if isinstance(command, str) else " ".join(command)


def environment_of(service):
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {key: str(value) for key, value in env.items()}


def test_all_services_are_declared(services):
    assert {"postgres", "redis", "web", "worker", "beat", "migrate"} <= set(services)


def test_web_runs_gunicorn_on_the_wsgi_application(services):
    assert re.search(r"\bgunicorn\b.*\bnpm_tracker\.wsgi\b", command_of(services["web"]))


def test_worker_and_beat_run_celery(services):
    assert "celery -A npm_tracker worker" in command_of(services["worker"])
    assert "celery -A npm_tracker beat" in command_of(services["beat"])


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_services_reach_postgres_and_redis_in_production(services, name):
    env = environment_of(services[name])
    assert re.fullmatch(r"postgres(ql)?://[^@]+@postgres:5432/\S+", env["DATABASE_URL"])
    assert re.fullmatch(r"redis://redis:6379/\d+", env["REDIS_URL"])
    assert env["DJANGO_ENV"] == "production"


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_services_wait_for_migrations(services, name):
    depends_on = services[name]["depends_on"]
    assert depends_on["migrate"]["condition"] == "service_completed_successfully"
    assert depends_on["postgres"]["condition"] == "service_healthy"


def test_app_services_build_from_the_same_dockerfile(services):
    def build_of(service):
        build = service["build"]
        if isinstance(build, str):
            build = {"context": build}
        return build["context"], build.get("dockerfile", "Dockerfile")

    builds = {build_of(services[name]) for name in APP_SERVICES}
    assert len(builds) == 1
    context, dockerfile_name = builds.pop()
    assert (ROOT / context / dockerfile_name).is_file()


def test_dockerfile_installs_pango_for_weasyprint(dockerfile):
    assert re.search(r"apt-get install[^\n]*(\\\n[^\n]*)*\blibpango-1\.0-0\b", dockerfile)


def test_dockerfile_does_not_run_as_root(dockerfile):
    users = re.findall(r"^USER\s+(\S+)", dockerfile, flags=re.MULTILINE)
    assert users, "the Dockerfile has no USER line"
    assert users[-1] not in {"root", "0"}


def test_secret_key_is_required(services):
    for name in APP_SERVICES:
        secret = environment_of(services[name])["DJANGO_SECRET_KEY"]
        assert re.fullmatch(r"\$\{DJANGO_SECRET_KEY:\?[^}]+\}", secret)


def _flags(args: list[str]) -> dict:
    return {a.removeprefix("--"): b for a, b in itertools.pairwise(args) if a[:2] == "--"}


def test_the_compose_redis_keeps_its_data_in_an_append_only_file(services):
    """Queued tasks survive a restart of the broker: at most a second of writes can be lost."""
    redis = services["redis"]
    command = redis["command"]
    args = shlex.split(command) if isinstance(command, str) else command
    assert args[0] == "redis-server"
    flags = _flags(args)
    assert flags["appendonly"] == "yes" and flags["appendfsync"] == "everysec"
    data_dir = flags.get("dir", "/data")
    volume = next(v for v in redis["volumes"] if v.endswith(f":{data_dir}"))
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    assert volume.split(":")[0] in compose["volumes"]  # a named volume, not the container


def _local_redis_persistence() -> list[str]:
    script = (ROOT / "scripts" / "bootstrap.sh").read_text(encoding="utf-8")
    found = re.search(r"^REDIS_PERSISTENCE=\((.*)\)$", script, re.MULTILINE)
    assert found, "bootstrap.sh names the persistence options of the local Redis"
    start = re.search(r"^\s*redis-server (?:[^\n]*\\\n)*[^\n]*", script, re.MULTILINE)
    assert start and '"${REDIS_PERSISTENCE[@]}"' in start.group(0)
    assert '--dir "$PWD/var/redis"' in start.group(0)
    return shlex.split(found.group(1))


def test_the_local_redis_of_make_run_keeps_queued_work_across_a_crash(tmp_path):
    """The local Redis started with bootstrap.sh's options, killed (no clean shutdown) and
    started again, still holds what was written a second before."""
    options = _local_redis_persistence()
    assert _flags(options) == {"appendonly": "yes", "appendfsync": "everysec"}
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    start = ["redis-server", "--bind", "127.0.0.1", "--port", str(port), "--dir", str(tmp_path)]
    start += ["--save", "", *options]

    def started():
        server = subprocess.Popen(start, stdout=subprocess.DEVNULL)
        client = redis_lib.Redis(port=port)
        for _ in range(100):
            try:
                client.ping()
                return server, client
            except redis_lib.ConnectionError:
                time.sleep(0.05)
        server.kill()
        raise AssertionError("redis-server did not start")

    server, client = started()
    try:
        client.lpush("celery", "a queued task")
        time.sleep(1.5)  # appendfsync everysec
    finally:
        server.send_signal(signal.SIGKILL)
        server.wait()
    server, client = started()
    try:
        assert client.lrange("celery", 0, -1) == [b"a queued task"]
    finally:
        server.send_signal(signal.SIGKILL)
        server.wait()
