"""`/static/...`: the UI's CSS, scripts and vendored libraries, from the package.

A route rather than a `StaticFiles` mount, so the UI stays one `APIRouter` that an app
includes (routers do not carry mounts)."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse

from mlgraph.errors import NotFound

router = APIRouter()

ROOT = (Path(__file__).parent / "static").resolve()
TYPES = {".js": "text/javascript", ".css": "text/css", ".md": "text/plain", "": "text/plain"}


@router.get("/static/{path:path}", name="ui_static")
def static_file(path: str) -> FileResponse:
    target = (ROOT / path).resolve()
    # Nothing outside the static folder, whatever `..` or symlinks the path holds.
    if not target.is_relative_to(ROOT) or not target.is_file():
        raise NotFound(f"no static file {path}")
    media = TYPES.get(target.suffix, "application/octet-stream")
    headers = {"Cache-Control": "public, max-age=3600", "X-Content-Type-Options": "nosniff"}
    return FileResponse(target, media_type=media, headers=headers)
