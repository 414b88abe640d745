"""Every documented route, given bad input, answers 4xx: never a 500 (a client that
retries 5xx would hammer the server), and an error body that says what was wrong."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

MODEL = "urn:li:mlModel:(urn:li:dataPlatform:mlflow,churn,PROD)"

# Path parameters: malformed URNs, one that parses but names nothing, and a real one.
PATH_VALUES = [
    "not-a-urn",
    "urn:li:",
    "urn:li:dataset:(urn:li:dataPlatform:hive,a",
    "urn:li:mlModel:(a,b,c)",
    "urn:li:corpuser:" + "x" * 3000,
    "urn:li:tag:never-written",
    MODEL,
]
# Bodies: broken JSON, the wrong shapes, values of the wrong type.
BODIES = [
    b"{",
    b"[]",
    b"null",
    b'"text"',
    b"1e999999",
    b'{"x": NaN}',
    b"\xff\xfe",
    b'{"proposals": "x"}',
    b'{"value": {"name": 5}}',
    b'[{"op": "remove", "path": "/nope"}]',
    b'{"query": "{"}',
]
QUERY = "?limit=-1&cursor=zzz&filter=((&depth=x&direction=sideways&q=%00&version=abc"


def test_no_route_answers_bad_input_with_a_server_error(client: TestClient) -> None:
    written = client.post(
        "/api/v1/proposals",
        json={"proposals": [{"urn": MODEL, "aspect": "mlModelProperties", "value": {}}]},
    )
    assert written.status_code == 200, written.text
    paths = client.app.openapi()["paths"]  # type: ignore[attr-defined]
    tried = 0
    failures = []
    for template, operations in paths.items():
        for method in operations:
            for value in PATH_VALUES:
                path = re.sub(r"\{[^}]+\}", value, template)
                bodies = BODIES if method in ("post", "put", "patch") else [None]
                for body in bodies:
                    for query in ("", QUERY):
                        r = client.request(
                            method.upper(),
                            path + query,
                            content=body,
                            headers={"content-type": "application/json"},
                        )
                        tried += 1
                        if r.status_code >= 500 or (r.status_code >= 400 and not r.content):
                            failures.append(
                                f"{method.upper()} {template} {value[:40]!r} "
                                f"{body!r}{query[:1]}: {r.status_code} {r.text[:120]}"
                            )
    assert len(paths) > 20 and tried > 1000
    assert failures == []
