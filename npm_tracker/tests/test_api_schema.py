"""The committed OpenAPI schema tells the truth, over every operation and every object: scopes,
codes, formats, statuses, headers and descriptions (test_api_auth keeps it identical to the
code; test_api_matrix checks the scopes against behaviour)."""

from pathlib import Path

import pytest
import yaml

SCHEMA = yaml.safe_load(
    (Path(__file__).resolve().parents[2] / "docs" / "api" / "openapi.yaml").read_text()
)
OPERATIONS = [
    (method, path, operation)
    for path, item in SCHEMA["paths"].items()
    for method, operation in item.items()
    if method in ("get", "post", "put", "patch", "delete")
]
# What every operation used to say: the internal docstring of the base view class.
REPEATED = "Reads through ``visible_to`` (out of scope answers 404), writes through services"
NULL_ENUM = "#/components/schemas/NullEnum"
SMALL_COUNT = [{"type": "integer", "minimum": 0}, {"type": "string", "enum": ["<5"]}]
COUNTS = (
    "total",
    "count",
    "unannounced",
    "visits_with_obstacles",
    "answered_on_time",
    "answered_late",
    "issued",
    "implemented",
    "partially_implemented",
)
STATISTICS = (
    "VisitFigures",
    "ObstacleFigures",
    "AllegationFigures",
    "ReferralFigures",
    "OverdueFigures",
    "RecommendationFigures",
    "CountRow",
    "StageRow",
)


def resolve(schema: dict) -> dict:
    """A property's schema with ``$ref`` / single ``allOf`` / ``oneOf`` with null unwrapped."""
    if "$ref" in schema:
        return resolve(SCHEMA["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]])
    for key in ("allOf", "oneOf"):
        options = [resolve(o) for o in schema.get(key, []) if o != {"$ref": NULL_ENUM}]
        if len(options) == 1:
            return {**{k: v for k, v in schema.items() if k != key}, **options[0]}
    return schema


def properties():
    """Every (component, property, schema) of the objects, nested ones included."""
    for name, component in SCHEMA["components"]["schemas"].items():
        for prop, schema in component.get("properties", {}).items():
            yield name, prop, schema
            items = schema.get("items")
            if items and "properties" in items:
                for inner, inner_schema in items["properties"].items():
                    yield name, f"{prop}[].{inner}", inner_schema


def parameters():
    for method, path, operation in OPERATIONS:
        for parameter in operation.get("parameters", []):
            yield method, path, parameter


def test_every_operation_names_the_scopes_it_needs():
    scopes = set(SCHEMA["components"]["securitySchemes"]["oauth2"]["flows"]["clientCredentials"])
    assert scopes == {"tokenUrl", "scopes"}
    known = set(
        SCHEMA["components"]["securitySchemes"]["oauth2"]["flows"]["clientCredentials"]["scopes"]
    )
    for method, path, operation in OPERATIONS:
        security = operation.get("security")
        assert security, (method, path)
        oauth = [requirement["oauth2"] for requirement in security if "oauth2" in requirement]
        assert oauth and all(oauth), (method, path, security)
        assert all(set(needed) <= known for needed in oauth), (method, path, security)
        assert {"staffSession": []} in security, (method, path)
        assert {} not in security, (method, path)  # nothing is open to anonymous callers


def test_no_operation_repeats_the_internal_sentence_and_each_says_what_it_does():
    descriptions = [operation.get("description", "") for _, _, operation in OPERATIONS]
    assert all(descriptions), [(m, p) for m, p, o in OPERATIONS if not o.get("description")]
    assert not [d for d in descriptions if REPEATED in d or "``" in d]
    assert len(set(descriptions)) == len(descriptions), "two operations share a description"


def test_every_field_is_described_for_partners():
    for name, prop, schema in properties():
        if "[]." in prop or name.endswith("Enum"):
            continue  # described where the list or the enum is
        description = schema.get("description", "")
        assert description, (name, prop)
        assert "``" not in description and REPEATED not in description, (name, prop)


def test_every_country_is_one_of_the_two_codes():
    seen = 0
    for name, prop, schema in properties():
        if prop.rsplit(".", 1)[-1] == "country":
            seen += 1
            assert sorted(resolve(schema).get("enum", [])) == ["KG", "KZ"], (name, prop)
    for _method, path, parameter in parameters():
        if parameter["name"] == "country":
            seen += 1
            assert sorted(resolve(parameter["schema"]).get("enum", [])) == ["KG", "KZ"], path
    assert seen > 8


def test_fixed_code_sets_are_enums_and_vocabulary_codes_are_strings():
    components = SCHEMA["components"]["schemas"]
    fixed = {
        ("Allegation", "status"),
        ("Allegation", "reprisal_risk"),
        ("Victim", "sex"),
        ("Visit", "status"),
        ("Recommendation", "status"),
        ("Referral", "status"),
        ("ReferralEvent", "kind"),
        ("ReferralEventInputRequest", "kind"),
        ("Evidence", "kind"),
        ("ReportRun", "kind"),
        ("ReportRun", "status"),
        ("ReportRun", "version"),
        ("ReportRun", "language"),
        ("ReportRequestRequest", "kind"),
        ("ReportRequestRequest", "version"),
        ("ReportRequestRequest", "language"),
        ("Delivery", "event"),
    }
    for component, prop in fixed:
        assert resolve(components[component]["properties"][prop]).get("enum"), (component, prop)
    events = resolve(components["Webhook"]["properties"]["events"]["items"])
    assert "allegation.created" in events["enum"]
    for component, prop in (("Facility", "region"), ("Allegation", "source")):
        schema = resolve(components[component]["properties"][prop])
        assert schema["type"] == "string" and "enum" not in schema
        assert "vocabularies" in schema["description"]


# A signing key is named by the hash of its public key and valid from a moment, not a day.
FORMAT_EXCEPTIONS = {
    ("SigningKey", "key_id"): None,
    ("SigningKey", "valid_from"): "date-time",
    ("SigningKey", "valid_to"): "date-time",
}


def test_dates_date_times_and_ids_have_their_formats():
    checked = 0
    for name, prop, schema in properties():
        field = prop.rsplit(".", 1)[-1]
        resolved = resolve(schema)
        if (name, prop) in FORMAT_EXCEPTIONS:
            assert resolved.get("format") == FORMAT_EXCEPTIONS[name, prop], (name, prop)
        elif field.endswith(("_on", "_date", "_start", "_end")) or field in (
            "date_of_birth",
            "valid_from",
            "valid_to",
            "new_term",
        ):
            assert resolved.get("format") == "date", (name, prop, schema)
            checked += 1
        elif field.endswith("_at"):
            assert resolved.get("format") == "date-time", (name, prop, schema)
            checked += 1
        elif field == "id" or field.endswith("_id"):
            assert resolved.get("format") == "uuid", (name, prop, schema)
            checked += 1
    for method, path, parameter in parameters():
        if parameter["in"] == "path" and parameter["name"] == "id":
            assert parameter["schema"].get("format") == "uuid", (method, path)
        if parameter["name"] in ("on", "period_start", "period_end", "started_after"):
            assert parameter["schema"].get("format") == "date", (method, path, parameter)
        if parameter["name"] in ("updated_since", "received_after", "received_before"):
            assert parameter["schema"].get("format") == "date-time", (method, path, parameter)
    assert checked > 50


def test_keys_absent_for_some_callers_are_not_required_and_null_is_declared():
    components = SCHEMA["components"]["schemas"]
    assert "victim" not in components["Allegation"]["required"]
    assert "name" not in components["Perpetrator"]["required"]
    # Every other key of a response object is always present.
    assert {"reference", "urgent", "consent", "perpetrators"} <= set(
        components["Allegation"]["required"]
    )
    assert set(components["Facility"]["required"]) == set(components["Facility"]["properties"])
    for component, prop in (
        ("Facility", "periodic_visit_due_on"),
        ("Facility", "last_visit_on"),
        ("Recommendation", "response_due_on"),
        ("Referral", "due_at"),
        ("ReportRun", "region"),
        ("ReportRun", "object"),
        ("ReportRun", "file"),
        ("VocabularyItem", "country"),
        ("PaginatedFacilityList", "next"),
    ):
        assert components[component]["properties"][prop].get("nullable"), (component, prop)


def test_statistics_counts_are_a_number_or_less_than_five():
    components = SCHEMA["components"]["schemas"]
    counted = 0
    for component in STATISTICS:
        for prop, schema in components[component]["properties"].items():
            if prop in COUNTS:
                assert schema["oneOf"] == SMALL_COUNT, (component, prop)
                counted += 1
    assert counted == 13


def _operation(method, path):
    return SCHEMA["paths"][path][method]


def test_every_status_an_operation_answers_is_documented_with_its_body():
    problem = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    for method, path, operation in OPERATIONS:
        responses = operation["responses"]
        for code in ("401", "403", "429"):
            assert responses[code]["content"] == problem, (method, path, code)
        if "requestBody" in operation:
            for code in ("400", "413", "415"):
                assert responses[code]["content"] == problem, (method, path, code)
        if "{" in path:
            assert responses["404"]["content"] == problem, (method, path)
        names = {p["name"] for p in operation.get("parameters", [])}
        assert ("412" in responses) == ("If-Match" in names), (method, path)
        assert all(response.get("description") for response in responses.values()), path
    upload = _operation("post", "/api/v1/allegations/{id}/evidence/")["responses"]
    assert {"201", "400", "406", "413", "415"} <= set(upload) and "200" not in upload
    assert upload["201"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Evidence"
    }
    reports = _operation("post", "/api/v1/reports/")["responses"]
    assert {"200", "202"} <= set(reports)


@pytest.mark.parametrize(
    "path",
    [path for path, item in SCHEMA["paths"].items() if path.endswith("{id}/") and "get" in item],
)
def test_detail_reads_declare_if_none_match_and_304(path):
    operation = _operation("get", path)
    names = {p["name"] for p in operation["parameters"] if p["in"] == "header"}
    assert "If-None-Match" in names
    assert operation["responses"]["304"]["headers"]["ETag"]["required"] is True
    assert "content" not in operation["responses"]["304"]
    assert "ETag" in operation["responses"]["200"]["headers"]


def test_list_pages_declare_their_link_header():
    lists = [
        (method, path, operation)
        for method, path, operation in OPERATIONS
        if method == "get"
        and "200" in operation["responses"]
        and "Paginated"
        in str(operation["responses"]["200"].get("content", {}).get("application/json", ""))
    ]
    assert len(lists) >= 7
    for _method, path, operation in lists:
        assert "Link" in operation["responses"]["200"]["headers"], path
