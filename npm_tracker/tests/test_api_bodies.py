"""Request bodies: JSON in, multipart only where a file is uploaded (CONTRACT.md, Conventions)."""

import importlib
import json
import pkgutil
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from uuid import UUID

import pytest
import yaml
from django.conf import settings

from facilities.models import Visit
from facilities.tests.factories import make_facility, make_visit
from npm_tracker.tests.api_helpers import api_as, assert_problem, new_client, token_for

pytestmark = pytest.mark.django_db
SCHEMA = settings.BASE_DIR / "docs" / "api" / "openapi.yaml"


@pytest.mark.parametrize("body_format", ["multipart", "form"])
def test_a_form_body_is_refused_415_and_changes_nothing(reference, body_format):
    visit = make_visit(make_facility(), summary="As recorded.", persons_held=12)
    client = api_as(language="ru")
    path = f"/api/v1/visits/{visit.pk}/"
    if body_format == "multipart":
        response = client.patch(path, {"summary": "Lost?", "persons_held": 3}, format="multipart")
    else:
        response = client.generic(
            "PATCH", path, "summary=Lost%3F", content_type="application/x-www-form-urlencoded"
        )
    body = assert_problem(response, 415, "unsupported_media_type")
    assert "application/json" in body["detail"]
    visit = Visit.objects.get(pk=visit.pk)
    assert (visit.summary, visit.persons_held) == ("As recorded.", 12)


def test_the_schema_declares_json_bodies_and_multipart_only_for_the_evidence_upload():
    schema = yaml.safe_load(SCHEMA.read_text())
    bodies = {
        (method.upper(), path): sorted(operation["requestBody"]["content"])
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        if isinstance(operation, dict) and "requestBody" in operation
    }
    upload = ("POST", "/api/v1/allegations/{id}/evidence/")
    assert bodies.pop(upload) == ["multipart/form-data"]
    assert bodies and {tuple(v) for v in bodies.values()} == {("application/json",)}, bodies


@pytest.fixture
def generated_client(tmp_path, monkeypatch):
    """A Python client generated from the committed schema by ``openapi-python-client``, as a
    partner would make one (offline, without its formatting hooks, which only restyle code)."""
    config = tmp_path / "generator.yaml"
    config.write_text("post_hooks: []\n")
    package = tmp_path / "npm_client"
    generator = Path(sys.executable).with_name("openapi-python-client")
    arguments = ["--path", SCHEMA, "--output-path", package, "--meta", "none", "--config", config]
    done = subprocess.run(
        [generator, "generate", *arguments],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0 and (package / "client.py").exists(), done.stdout + done.stderr
    monkeypatch.syspath_prepend(str(tmp_path))
    yield importlib.import_module("npm_client")
    for name in [n for n in sys.modules if n == "npm_client" or n.startswith("npm_client.")]:
        del sys.modules[name]


def test_a_generated_client_imports_and_creates_patches_and_moves_a_visit(
    reference, live_server, generated_client
):
    client_package = generated_client
    broken = {}
    for module in pkgutil.walk_packages(client_package.__path__, "npm_client."):
        try:
            importlib.import_module(module.name)
        except Exception as exc:  # every failure is reported, not only the first
            broken[module.name] = repr(exc)
    assert not broken, broken
    models = importlib.import_module("npm_client.models")
    api = "npm_client.api."
    create_facility = importlib.import_module(api + "facilities.facilities_create")
    create_visit = importlib.import_module(api + "visits.visits_create")
    patch_visit = importlib.import_module(api + "visits.visits_partial_update")
    move_visit = importlib.import_module(api + "visits.visits_transition_create")
    token = token_for(new_client(scopes="read write")).json()["access_token"]
    partner = client_package.AuthenticatedClient(base_url=live_server.url, token=token)

    facility = create_facility.sync_detailed(
        client=partner,
        body=models.FacilityRequest(
            name="ИВС ДП г. Караганды",
            country=models.CountryEnum.KZ,
            region="kz_karaganda",
            facility_type="ivs",
            agency="kz_mvd",
            capacity=40,
        ),
    )
    assert facility.status_code == 201, facility.content
    visit = create_visit.sync_detailed(
        client=partner,
        body=models.VisitWriteRequest(
            facility=facility.parsed.id,
            visit_type="kz_special",
            started_on=date(2026, 3, 2),
            obstacles=["entry_delayed"],
        ),
    )
    assert visit.status_code == 201, visit.content
    visit_id = UUID(json.loads(visit.content)["id"])
    patched = patch_visit.sync_detailed(
        visit_id,
        client=partner,
        body=models.PatchedVisitWriteRequest(
            persons_held=12,
            summary="Night visit.",
            obstacles=["entry_delayed", "documents_withheld"],
        ),
    )
    assert patched.status_code == 200, patched.content
    moved = move_visit.sync_detailed(
        visit_id,
        client=partner,
        body=models.TransitionRequest(
            to="in_progress", occurred_at=datetime(2026, 3, 2, 22, tzinfo=UTC)
        ),
    )
    assert moved.status_code == 200, moved.content
    assert moved.parsed.status == "in_progress"
    stored = Visit.objects.get(pk=visit_id)
    assert (stored.persons_held, stored.summary) == (12, "Night visit.")
    assert stored.status == "in_progress"
    assert sorted(o.obstacle_type.code for o in stored.obstacles.all()) == [
        "documents_withheld",
        "entry_delayed",
    ]
