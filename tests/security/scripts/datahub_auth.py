"""DataHub's own emitter (acryl-datahub), unmodified, against an mlgraph with
authentication on: emits one tag with the token given (or none) and prints, as one
JSON line, "ok" or what the emitter raised."""

import json
import sys

import datahub.metadata.schema_classes as models
from datahub.emitter.mcp import MetadataChangeProposalWrapper
from datahub.emitter.rest_emitter import DatahubRestEmitter

server, tag, token = sys.argv[1], sys.argv[2], (sys.argv[3] if len(sys.argv) > 3 else None)
emitter = DatahubRestEmitter(gms_server=server, token=token, retry_max_times=0)
mcp = MetadataChangeProposalWrapper(
    entityUrn=f"urn:li:tag:{tag}", aspect=models.TagPropertiesClass(name=tag)
)
try:
    emitter.emit(mcp)
    print(json.dumps({"ok": True}))
except Exception as exc:  # the emitter raises OperationalError with the server's answer
    info = getattr(exc, "info", {}) or {}
    print(json.dumps({"ok": False, "error": str(exc)[:2000], "status": info.get("status")}))
