"""A page of another site cannot make a running service judge (and log) a case: a browser
names the page's origin on every cross-site POST, and the service refuses it before reading
the body. Requests without an origin (curl, screening systems) and the service's own pages
are served; `--cors ORIGIN` allows a named site."""

from __future__ import annotations

import pytest
from conftest import EXAMPLES
from serving import Server

CASE = (EXAMPLES / "refused-no-english.yaml").read_bytes()
ELSEWHERE = "https://attacker.example"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("cross-site")
    running = Server(tmp, "--audit-log", tmp / "decisions.jsonl",
                     "--cors", "https://portal.example")
    running.audit_log = tmp / "decisions.jsonl"
    yield running
    running.stop()


def _post(server, path: str, origin: str | None, **kw):
    headers = {"Content-Type": "application/yaml"}
    if origin is not None:
        headers["Origin"] = origin
    with server.client() as client:
        return client.post(path, content=CASE, headers=headers, **kw)


def test_a_post_from_another_site_is_refused_and_not_logged(server):
    before = server.audit_log.read_text(encoding="utf-8") if server.audit_log.exists() else ""
    for path in ("/v1/check", "/case"):
        answer = _post(server, path, ELSEWHERE)
        assert answer.status_code == 403, answer.text
        error = answer.json()["errors"][0]
        assert error["code"] == "cross-site" and ELSEWHERE in error["message"]
    after = server.audit_log.read_text(encoding="utf-8") if server.audit_log.exists() else ""
    assert after == before  # nothing was judged, so nothing was logged


def test_a_sandboxed_page_is_refused_too(server):
    assert _post(server, "/v1/check", "null").status_code == 403


def test_without_an_origin_from_the_own_pages_or_an_allowed_site_it_is_judged(server):
    for origin in (None, server.url, "https://portal.example"):
        answer = _post(server, "/v1/check", origin)
        assert answer.status_code == 200, (origin, answer.text)
        assert answer.json()["outcome"] == "refuse"


def test_reading_is_never_refused(server):
    with server.client() as client:
        assert client.get("/v1/rules", headers={"Origin": ELSEWHERE}).status_code == 200
