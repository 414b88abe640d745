"""The artifact proxy (`/api/2.0/mlflow-artifacts/artifacts/<path>`): bytes under
`settings.data_dir / "artifacts"`, laid out as MLflow's URIs name them
(`<experiment>/<run>/artifacts/...`, `<experiment>/models/<model_id>/artifacts/...`).
Artifacts are blobs, not metadata: the catalog holds the URIs (run outputUrls,
version source), this module holds the files."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from starlette.responses import FileResponse, Response

from mlgraph.api.caller import principal_of
from mlgraph.api.responses import JSONResponse
from mlgraph.integrations.mlflow.server.errors import MlflowRoute, invalid, missing
from mlgraph.integrations.mlflow.server.messages import Call, route
from mlgraph.integrations.mlflow.server.runs import STATE, load_run
from mlgraph.runtime import Services
from mlgraph.services.access import require
from mlgraph.services.principal import Permission

router = APIRouter(route_class=MlflowRoute)
tracking_router = APIRouter(route_class=MlflowRoute)  # runs-relative listing, under /api/2.0/mlflow
PREFIX = "mlflow-artifacts:"


def root(services: Services) -> Path:
    return (services.settings.data_dir / "artifacts").resolve()


def resolve(services: Services, rel: str) -> Path:
    """A path inside the artifact root, or INVALID_PARAMETER_VALUE."""
    base = root(services)
    rel = rel.strip("/")
    if "\x00" in rel or any(part == ".." for part in rel.split("/")):
        raise invalid(f"Invalid path '{rel}': '..' and NUL are not allowed")
    target = (base / rel).resolve()
    if target != base and base not in target.parents:
        raise invalid(f"Invalid path '{rel}'")
    return target


def _listing(directory: Path) -> list[dict[str, Any]]:
    files = []
    for entry in sorted(directory.iterdir(), key=lambda p: p.name):
        item: dict[str, Any] = {"path": entry.name, "is_dir": entry.is_dir()}
        if entry.is_file():
            item["file_size"] = entry.stat().st_size
        files.append(item)
    return files


def _services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


def _may_change(request: Request) -> None:
    require(principal_of(request), Permission.CREATE, "changing artifacts needs the editor role")


@router.put("/artifacts/{path:path}", include_in_schema=False)
async def upload(path: str, request: Request) -> Response:
    _may_change(request)
    target = resolve(_services(request), path)
    part = target.with_name(f".{target.name}.{os.getpid()}.{id(request)}.part")
    await run_in_threadpool(target.parent.mkdir, parents=True, exist_ok=True)
    with part.open("wb") as out:  # small writes; the body arrives in chunks
        async for chunk in request.stream():
            out.write(chunk)
    await run_in_threadpool(os.replace, part, target)
    return JSONResponse({})


@router.get("/artifacts/{path:path}", include_in_schema=False)
async def download(path: str, request: Request) -> Response:
    target = resolve(_services(request), path)
    if not target.is_file():
        raise missing(f"Artifact '{path}' does not exist")
    return FileResponse(target, media_type="application/octet-stream")


@router.delete("/artifacts/{path:path}", include_in_schema=False)
async def delete(path: str, request: Request) -> Response:
    _may_change(request)
    target = resolve(_services(request), path)
    if target.is_file():
        target.unlink()
    elif target.is_dir():
        import shutil

        await run_in_threadpool(shutil.rmtree, target)
    return JSONResponse({})


@router.get("/artifacts", include_in_schema=False)
async def list_artifacts(request: Request) -> Response:
    """`{}` for a file or a missing directory: the client probes with it."""
    target = resolve(_services(request), request.query_params.get("path", ""))
    if not target.is_dir():
        return JSONResponse({})
    return JSONResponse({"files": await run_in_threadpool(_listing, target)})


def list_run_artifacts(call: Call) -> dict[str, Any]:
    uri = load_run(call, call.text("run_id", "run_uuid"), STATE).run.artifact_uri
    rel = call.opt("path") or ""
    out: dict[str, Any] = {"root_uri": uri}
    if not uri.startswith(PREFIX):
        return out
    target = resolve(call.services, f"{uri[len(PREFIX) :]}/{rel}")
    if target.is_dir():
        out["files"] = [
            {**f, "path": f"{rel.strip('/')}/{f['path']}".lstrip("/")} for f in _listing(target)
        ]
    return out


route(tracking_router, "GET", "/artifacts/list", list_run_artifacts)
