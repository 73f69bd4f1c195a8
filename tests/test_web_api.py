"""The REST API and the dashboard's server side, through FastAPI's TestClient.

Every endpoint answers with the library's numbers; every /api route refuses a missing or wrong
key with the same 401; errors have one JSON shape; hostile input (path traversal, oversized or
malformed JSON) gets a 4xx, never a 500; ``POST /api/score`` equals ``negpersona score``;
edits from the dashboard reach the YAML file and policy.json with an audit row, and only with
the session's CSRF token; the request log holds no key, query string or record value.
"""

from __future__ import annotations

import json
import logging
import re

import pytest
import yaml
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from negpersona.apply.personas import Personas
from negpersona.cli.main import app as cli
from negpersona.errors import ConfigError
from negpersona.monitor.history import read_edits
from negpersona.web import create_app
from negpersona.web.schemas import MAX_RECORDS
from tests import web_data

HEADERS = {"X-API-Key": web_data.KEY}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    return web_data.build_folder(tmp_path_factory.mktemp("web"))


@pytest.fixture(scope="module")
def client(built):
    with TestClient(create_app(built["folder"], api_key=web_data.KEY)) as client:
        yield client


def _error(response, status: int) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"} and {"code", "message", "hint", "setting"} <= set(body["error"])
    return body["error"]


def test_every_api_route_needs_the_key(client) -> None:
    schema = client.app.openapi()["paths"]
    routes = [(path, method) for path, item in schema.items() if path.startswith("/api/")
              for method in item]  # fmt: skip
    assert len(routes) == 6
    for path, method in routes:
        url = path.replace("{persona_id}", "np-x").replace("{run_id}", "r1")
        for headers in ({}, {"X-API-Key": "wrong"}, {"X-API-Key": web_data.KEY + "x"}):
            response = getattr(client, method)(url, headers=headers)
            error = _error(response, 401)
            assert error["code"] == "auth.key_required"
            assert "wrong" not in response.text  # the same answer whatever was sent


def test_personas_policy_and_cards(client, built) -> None:
    personas = Personas.load(built["folder"])
    listed = client.get("/api/personas", headers=HEADERS).json()
    assert [p["id"] for p in listed] == [p.id for p in personas.personas]
    by_id = {p["id"]: p for p in listed}
    assert by_id[built["renamed"]]["name"] == web_data.HOSTILE  # the edited name, as data
    first = personas.personas[0]
    assert by_id[first.id]["expected_rate"] == pytest.approx(first.expected_rate)
    assert {p["id"] for p in listed if p["action"] == "exclude"} == set(personas.excluded)
    card = client.get(f"/api/personas/{first.id}", headers=HEADERS).json()
    assert card["id"] == first.id and card["card"]["aspects"] and card["card"]["rate_rows"]
    policy = client.get("/api/policy", headers=HEADERS).json()
    assert policy["excluded"] == personas.excluded and policy["holdout"] == personas.holdout
    assert client.get("/healthz").json() == {"status": "ok", "personas": len(listed)}


def test_runs_and_the_recheck_document(client, built) -> None:
    runs = client.get("/api/runs", headers=HEADERS).json()
    assert [r["kind"] for r in runs] == ["discover", "recheck"]
    assert [r["has_recheck"] for r in runs] == [False, True]
    document = client.get(f"/api/runs/{built['run_id']}/recheck", headers=HEADERS).json()
    assert document["kind"] == "recheck" and document["run_id"] == built["run_id"]
    error = _error(client.get("/api/runs/nope/recheck", headers=HEADERS), 404)
    assert error["code"] == "not_found"


def test_score_equals_the_cli(client, built) -> None:
    records = web_data.records(built["folder"], 60, seed=1)
    lines = "\n".join(json.dumps(r) for r in records) + "\n"
    printed = CliRunner().invoke(cli, ["score", str(built["folder"])], input=lines)
    assert printed.exit_code == 0, printed.output
    expected = [json.loads(line) for line in printed.stdout.splitlines()]
    answered = client.post("/api/score", headers=HEADERS, json=records)
    assert answered.status_code == 200 and answered.json() == expected
    one = client.post("/api/score", headers=HEADERS, json=records[0])
    assert one.json() == expected[0]
    assert {e["negative_persona_action"] for e in expected} >= {"exclude", "target"}


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (b"{not json", 400, "score.not_json"),
        (b"\xff\xfe", 400, "score.not_json"),
        (b"42", 422, "score.not_records"),
        (b"[]", 422, "score.not_records"),
        (b"[1, 2]", 422, None),
        (b'{"lead_id": "a"}', 422, "apply.missing_columns"),
    ],
)
def test_bad_score_bodies_are_4xx_with_the_error_shape(client, body, status, code) -> None:
    error = _error(client.post("/api/score", headers=HEADERS, content=body), status)
    if code:
        assert error["code"] == code


def test_oversized_and_too_many_records_are_refused(client, built) -> None:
    huge = b'{"x": "' + b"a" * 1_100_000 + b'"}'
    assert _error(client.post("/api/score", headers=HEADERS, content=huge), 413)["code"] == (
        "score.too_large"
    )
    many = [{"lead_id": str(i)} for i in range(MAX_RECORDS + 1)]
    assert _error(client.post("/api/score", headers=HEADERS, json=many), 422)["code"] == (
        "score.too_many"
    )


@pytest.mark.parametrize(
    "persona_id", ["..%2F..%2Fpolicy", "../../etc/passwd", "%2e%2e%2fpersonas", "np-%00", "a" * 300]
)
def test_path_traversal_in_ids_finds_nothing(client, persona_id) -> None:
    response = client.get(f"/api/personas/{persona_id}", headers=HEADERS)
    assert response.status_code in (404, 422) and "root:" not in response.text


def test_openapi_schema_describes_the_api(client) -> None:
    schema = client.get("/api/openapi.json").json()
    paths = schema["paths"]
    assert {"/api/personas", "/api/personas/{persona_id}", "/api/policy", "/api/score",
            "/api/runs", "/api/runs/{run_id}/recheck", "/healthz"} <= set(paths)  # fmt: skip
    assert "PersonaSummary" in schema["components"]["schemas"]
    assert "ErrorResponse" in schema["components"]["schemas"]
    assert "/login" not in paths  # the dashboard is not part of the API


def test_the_server_needs_a_key(built, monkeypatch) -> None:
    monkeypatch.delenv("NEGPERSONA_API_KEY", raising=False)
    with pytest.raises(ConfigError, match="API key"):
        create_app(built["folder"])


# ---- the dashboard's server side ----------------------------------------------------------------


def _signed_in(built) -> TestClient:
    client = TestClient(create_app(built["folder"], api_key=web_data.KEY))
    wrong = client.post("/login", data={"key": "nope"})
    assert wrong.status_code == 401 and "not right" in wrong.text
    response = client.post("/login", data={"key": web_data.KEY}, follow_redirects=False)
    assert response.status_code == 303
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie
    return client


def _csrf(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def test_pages_need_a_session_and_escape_names(built) -> None:
    anonymous = TestClient(create_app(built["folder"], api_key=web_data.KEY))
    for path in ("/", "/runs", "/try", f"/personas/{built['renamed']}"):
        response = anonymous.get(path, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"] == "/login"
    client = _signed_in(built)
    page = client.get(f"/personas/{built['renamed']}")
    assert page.status_code == 200
    assert web_data.HOSTILE not in page.text and "&lt;script&gt;window.__pwned" in page.text
    assert "Content-Security-Policy" in page.headers
    assert client.get("/personas/../../policy.json").status_code == 404


def test_edits_reach_the_yaml_and_the_policy_with_an_audit_row(built, tmp_path) -> None:
    client = _signed_in(built)
    pid = built["excluded"]
    page = client.get(f"/personas/{pid}").text
    token = _csrf(page)
    refused = client.post(f"/personas/{pid}", data={"name": "Quiet small teams"})
    assert refused.status_code == 403  # no CSRF token
    saved = client.post(
        f"/personas/{pid}",
        data={"csrf_token": token, "name": "Quiet small teams", "action": "target"},
    )
    assert saved.status_code == 200 and "Saved." in saved.text
    assert "Recent changes" in saved.text and "name " in saved.text  # the audit trail on the page
    yaml_path = built["folder"] / "personas" / f"{pid}.yaml"
    data = yaml.safe_load(yaml_path.read_text(encoding="utf-8"))
    assert data["name"] == "Quiet small teams" and data["action"] == "target"
    assert yaml_path.read_text(encoding="utf-8").startswith("# A negative persona")  # comments kept
    listed = client.get("/api/personas", headers=HEADERS).json()  # re-read from disk
    assert {p["id"]: p["action"] for p in listed}[pid] == "target"
    rows = [(e["persona_id"], e["field"], e["new_value"]) for e in read_edits(built["folder"])]
    assert (pid, "name", "Quiet small teams") in rows and (pid, "action", "target") in rows
    judgmental = client.post(f"/personas/{pid}", data={"csrf_token": token, "name": "Losers"})
    assert "language" in judgmental.text
    assert yaml.safe_load(yaml_path.read_text(encoding="utf-8"))["name"] == "Quiet small teams"
    client.post(f"/personas/{pid}", data={"csrf_token": token, "action": "auto"})
    paused = client.post(f"/personas/{pid}/pause", data={"csrf_token": token})
    assert "paused" in paused.text
    policy = json.loads((built["folder"] / "policy.json").read_text(encoding="utf-8"))
    assert pid in [item["id"] for item in policy["paused"]] and pid not in policy["excluded"]
    client.post(f"/personas/{pid}/resume", data={"csrf_token": token})
    policy = json.loads((built["folder"] / "policy.json").read_text(encoding="utf-8"))
    assert pid in policy["excluded"] and not policy.get("paused")
    fields = [e["field"] for e in read_edits(built["folder"]) if e["persona_id"] == pid]
    assert fields.count("paused") == 2


def test_try_a_record_gives_the_api_answer(built) -> None:
    client = _signed_in(built)
    token = _csrf(client.get("/try").text)
    record = web_data.records(built["folder"], 1, seed=3)[0]
    form = {k: ("" if v is None else "yes" if v is True else "no" if v is False else str(v))
            for k, v in record.items()}  # fmt: skip
    answer = client.post("/try", data={**form, "csrf_token": token}, headers={"HX-Request": "true"})
    api = client.post("/api/score", headers=HEADERS, json=record).json()
    assert f'data-action="{api["negative_persona_action"]}"' in answer.text
    assert "<html" not in answer.text  # htmx gets the fragment only


def test_the_request_log_holds_no_key_query_or_values(client, built, caplog) -> None:
    record = web_data.records(built["folder"], 1, seed=4)[0]
    with caplog.at_level(logging.INFO, logger="negpersona.web"):
        client.post("/api/score?email=jane@example.com", headers=HEADERS, json=record)
        client.get("/api/personas", headers={"X-API-Key": "a-wrong-key"})
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "POST /api/score 200" in text and "GET /api/personas 401" in text
    assert web_data.KEY not in text and "a-wrong-key" not in text and "jane" not in text
    assert record["lead_id"] not in text


def test_the_folder_is_re_read_when_it_changes(built) -> None:
    client = TestClient(create_app(built["folder"], api_key=web_data.KEY))
    pid = built["renamed"]
    path = built["folder"] / "personas" / f"{pid}.yaml"
    before = path.read_text(encoding="utf-8")
    try:
        data = yaml.safe_load(before)
        data["name"] = "Renamed on disk"
        path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
        names = {p["id"]: p["name"] for p in client.get("/api/personas", headers=HEADERS).json()}
        assert names[pid] == "Renamed on disk"
        path.write_text("name: [unclosed", encoding="utf-8")  # damaged mid-edit
        response = client.get("/api/personas", headers=HEADERS)
        assert response.status_code == 200  # the last good load keeps serving
    finally:
        path.write_text(before, encoding="utf-8")


def test_vendored_scripts_match_their_recorded_hash() -> None:
    import hashlib
    from pathlib import Path

    import negpersona.web

    static = Path(negpersona.web.__file__).parent / "static"
    record = json.loads((static / "VENDORED.json").read_text(encoding="utf-8"))
    assert {p.name for p in static.glob("*.js")} == set(record)
    for name, entry in record.items():
        assert hashlib.sha256((static / name).read_bytes()).hexdigest() == entry["sha256"], name
        assert entry["version"] in name and entry["license"]


def test_pages_show_the_last_recheck_status(built) -> None:
    client = _signed_in(built)
    overview = client.get("/").text
    assert "Last re-check" in overview
    page = client.get(f"/personas/{built['excluded']}").text
    assert re.search(r"Last re-check \(\d{4}-\d\d-\d\d\): <span class=\"badge", page)
    assert f'href="/runs/{built["run_id"]}#{built["excluded"]}"' in page
