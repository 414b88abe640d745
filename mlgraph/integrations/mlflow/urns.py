"""How MLflow objects are named in the catalog — the same rules DataHub's MLflow source
uses, so metadata from either path lands on the same URNs:

- experiment       -> container `urn:li:container:<guid{platform URN, id: name}>`
                      (DataHub's ExperimentKey), subtype "ML Experiment"
- run              -> `urn:li:dataProcessInstance:<guid{id: run_id, orchestrator: mlflow}>`,
                      subtype "ML Training Run"
- registered model -> `urn:li:mlModelGroup:(urn:li:dataPlatform:mlflow,<name>,<env>)`
- model version    -> `urn:li:mlModel:(urn:li:dataPlatform:mlflow,<name>_<version>,<env>)`
                      in version set `urn:li:versionSet:(<guid{platform: mlflow, name}>,mlModel)`
- stage            -> tag `urn:li:tag:mlflow_<stage>` (production, staging, archived, none)
- logged model     -> `urn:li:mlModel:(urn:li:dataPlatform:mlflow,<m-id>,<env>)` (MLflow 3)
- dataset          -> `urn:li:dataset:(<platform>,<name>,<env>)`: see `datasets.py`
"""

from __future__ import annotations

from mlgraph.model.stages import STAGE_TAG_PREFIX as STAGE_TAG_PREFIX
from mlgraph.model.stages import stage_tag_urn as stage_tag_urn
from mlgraph.model.urn import encode_part, guid, platform_urn

PLATFORM = "mlflow"
PLATFORM_URN = "urn:li:dataPlatform:mlflow"
EXPERIMENT_SUBTYPE = "ML Experiment"
RUN_SUBTYPE = "ML Training Run"


def experiment_urn(name: str) -> str:
    return f"urn:li:container:{guid({'id': name, 'platform': PLATFORM_URN})}"


def run_urn(run_id: str) -> str:
    return f"urn:li:dataProcessInstance:{guid({'id': run_id, 'orchestrator': PLATFORM})}"


def model_group_urn(name: str, env: str = "PROD") -> str:
    return f"urn:li:mlModelGroup:({PLATFORM_URN},{encode_part(name)},{env})"


def model_version_urn(name: str, version: str | int, env: str = "PROD") -> str:
    return f"urn:li:mlModel:({PLATFORM_URN},{encode_part(f'{name}_{version}')},{env})"


def version_set_urn(name: str) -> str:
    return f"urn:li:versionSet:({guid({'platform': PLATFORM, 'name': name})},mlModel)"


def logged_model_urn(model_id: str, env: str = "PROD") -> str:
    """An MLflow 3 logged model (`m-<hex>`): an mlModel of its own, outside any group."""
    return f"urn:li:mlModel:({PLATFORM_URN},{encode_part(model_id)},{env})"


def dataset_urn(name: str, platform: str = PLATFORM, env: str = "PROD") -> str:
    return f"urn:li:dataset:({platform_urn(platform)},{encode_part(name)},{env})"
