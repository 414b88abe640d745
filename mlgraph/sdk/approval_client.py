"""Approval requests: open one for a model version and a protected target, list them,
approve, reject or withdraw. `Client.approvals` is this."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import quote

from mlgraph.sdk.http import API, Http
from mlgraph.sdk.lineage_types import ApprovalRequest, Evidence


def _evidence(items: Iterable[Evidence | str | tuple[str, str]]) -> list[dict[str, str]]:
    out = []
    for item in items:
        if isinstance(item, Evidence):
            out.append({"label": item.label, "link": item.link})
        elif isinstance(item, str):
            out.append({"label": "", "link": item})
        else:
            out.append({"label": item[0], "link": item[1]})
    return out


class ApprovalClient:
    def __init__(self, http: Http) -> None:
        self._http = http

    def request(
        self,
        model: str,
        target: str = "stage:Production",
        *,
        evidence: Iterable[Evidence | str | tuple[str, str]] = (),
        comment: str | None = None,
    ) -> ApprovalRequest:
        """Ask for `model` to move into `target`; an approver other than you decides."""
        body: dict[str, Any] = {
            "model": str(model),
            "target": target,
            "evidence": _evidence(evidence),
        }
        if comment is not None:
            body["comment"] = comment
        return ApprovalRequest.from_json(self._http.call("POST", f"{API}/approvals", json=body))

    def get(self, request_id: str) -> ApprovalRequest:
        got = self._http.call("GET", f"{API}/approvals/{quote(request_id, safe='')}")
        return ApprovalRequest.from_json(got)

    def list(self, *, state: str | None = None, model: str | None = None) -> list[ApprovalRequest]:
        params = {k: v for k, v in (("state", state), ("model", model)) if v}
        got = self._http.call("GET", f"{API}/approvals", params=params)
        return [ApprovalRequest.from_json(r) for r in got["requests"]]

    def _decide(self, request_id: str, verb: str, comment: str | None) -> ApprovalRequest:
        path = f"{API}/approvals/{quote(request_id, safe='')}/{verb}"
        body = {"comment": comment} if comment is not None else {}
        return ApprovalRequest.from_json(self._http.call("POST", path, json=body))

    def approve(self, request_id: str, comment: str | None = None) -> ApprovalRequest:
        return self._decide(request_id, "approve", comment)

    def reject(self, request_id: str, comment: str | None = None) -> ApprovalRequest:
        return self._decide(request_id, "reject", comment)

    def withdraw(self, request_id: str, comment: str | None = None) -> ApprovalRequest:
        return self._decide(request_id, "withdraw", comment)
