"""What seed 001 left behind, read back through DataHub's own client and printed as
JSON: `python read_ai_assets.py <server-url>`."""

import json
import sys

import datahub.metadata.schema_classes as models
from datahub.emitter.mcp_builder import ContainerKey
from datahub.metadata.urns import DatasetUrn, MlModelGroupUrn, MlModelUrn
from datahub.sdk import DataHubClient

client = DataHubClient(server=sys.argv[1], token=None)
graph = client._graph


def tags(entity):
    return sorted(t.tag for t in entity.tags or [])


def terms(entity):
    return sorted(t.urn for t in entity.terms or [])


def owners(entity):
    return sorted(o.owner for o in entity.owners or [])


def model(name):
    m = client.entities.get(MlModelUrn(platform="mlflow", name=name))
    return {
        "urn": str(m.urn),
        "name": m.name,
        "description": m.description,
        "external_url": m.external_url,
        "custom_properties": m.custom_properties,
        "version": m.version,
        "aliases": sorted(m.version_aliases),
        "hyper_params": {p.name: p.value for p in m.hyper_params or []},
        "training_metrics": {p.name: p.value for p in m.training_metrics or []},
        "model_group": m.model_group and str(m.model_group),
        "training_jobs": [str(j) for j in m.training_jobs or []],
        "tags": tags(m),
        "terms": terms(m),
        "owners": owners(m),
        "created": m.created is not None,
    }


def group(name):
    g = client.entities.get(MlModelGroupUrn(platform="mlflow", name=name))
    return {
        "urn": str(g.urn),
        "name": g.name,
        "description": g.description,
        "external_url": g.external_url,
        "custom_properties": g.custom_properties,
        "training_jobs": [str(j) for j in g.training_jobs or []],
        "tags": tags(g),
        "terms": terms(g),
        "owners": owners(g),
    }


def experiment(name):
    urn = ContainerKey(platform="mlflow", name=name).as_urn()
    c = client.entities.get(urn)
    return {
        "urn": str(c.urn),
        "display_name": c.display_name,
        "description": c.description,
        "custom_properties": c.custom_properties,
        "subtype": c.subtype,
        "tags": tags(c),
        "terms": terms(c),
    }


def dataset(name):
    d = client.entities.get(DatasetUrn(platform="snowflake", name=name))
    return {
        "urn": str(d.urn),
        "display_name": d.display_name,
        "description": d.description,
        "custom_properties": d.custom_properties,
        "schema": [[f.field_path, f.native_type] for f in d.schema]
        if d._get_aspect(models.SchemaMetadataClass)
        else None,
        "tags": tags(d),
        "terms": terms(d),
        "owners": owners(d),
    }


def run(run_id):
    urn = f"urn:li:dataProcessInstance:{run_id}"
    aspects = {
        cls.ASPECT_NAME: graph.get_aspect(urn, cls)
        for cls in (
            models.DataProcessInstancePropertiesClass,
            models.MLTrainingRunPropertiesClass,
            models.SubTypesClass,
            models.ContainerClass,
            models.DataProcessInstanceInputClass,
            models.DataProcessInstanceOutputClass,
        )
    }
    return {"urn": urn, **{k: v.to_obj() if v else None for k, v in aspects.items()}}


print(
    json.dumps(
        {
            "models": {n: model(n) for n in ("test_basic_model", "test_arima_model")},
            "groups": {
                n: group(n) for n in ("test_basic_group", "test_airline_forecast_models_group")
            },
            "experiments": {
                n: experiment(n)
                for n in ("test_basic_experiment", "test_airline_forecast_experiment")
            },
            "datasets": {
                n: dataset(n) for n in ("test_basic_dataset", "test_iris_input", "test_iris_output")
            },
            "runs": {n: run(n) for n in ("test_basic_run", "test_simple_training_run")},
        }
    )
)
