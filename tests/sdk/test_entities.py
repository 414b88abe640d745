"""Each entity class and setter, written through the SDK to the real app and read back."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import TypeVar

import pytest

from mlgraph.errors import InvalidInput
from mlgraph.model.urn import guid
from mlgraph.sdk import (
    BaseData,
    Client,
    Column,
    Container,
    ContainerKey,
    CorpGroupUrn,
    CorpUserUrn,
    Dataset,
    DatasetUrn,
    Deployment,
    DeploymentStatus,
    Entity,
    Experiment,
    IntendedUserType,
    MLFeature,
    MLFeatureTable,
    MLModel,
    MLModelGroup,
    MlModelGroupUrn,
    MlModelUrn,
    ModelFactors,
    SourceCodeUrlType,
    TagUrn,
    TrainingRun,
    container_guid,
)

T0 = datetime(2025, 4, 9, 22, 30, tzinfo=UTC)
T0_MS = 1744237800000
E = TypeVar("E", bound=Entity)


def roundtrip(sdk: Client, entity: E) -> E:
    sdk.entities.upsert(entity)
    return sdk.entities.get(entity.urn, type(entity))


def test_mlmodel_constructor_round_trip(sdk: Client) -> None:
    model = MLModel(
        id="churn",
        platform="mlflow",
        name="Churn",
        description="predicts churn",
        custom_properties={"framework": "xgboost", "n": 3},
        model_group=MlModelGroupUrn(platform="mlflow", name="churn-models"),
        owners=["data_science_team", CorpGroupUrn("ml-platform")],
        tags=["production", "urn:li:tag:classification"],
        terms=["Churn"],
        domain="customer-analytics",
        version="3",
        aliases=["champion"],
        hyper_params={"learning_rate": 0.1},
        training_metrics={"auc": "0.91"},
        online_metrics={"latency_ms": 12},
        training_jobs=["urn:li:dataProcessInstance:run-1"],
        features=["urn:li:mlFeature:(users,age)"],
        deployments=["urn:li:mlModelDeployment:(urn:li:dataPlatform:sagemaker,ep,PROD)"],
        created=T0,
        last_modified=T0_MS + 1,
        external_url="https://mlflow/churn",
        model_type="Gradient boosting",
    )
    got = roundtrip(sdk, model)
    assert got.urn == "urn:li:mlModel:(urn:li:dataPlatform:mlflow,churn,PROD)"
    assert got.urn == MlModelUrn(platform="mlflow", name="churn")
    assert got.name == "Churn"
    assert got.description == "predicts churn"
    assert got.custom_properties == {"framework": "xgboost", "n": "3"}
    assert got.model_group == "urn:li:mlModelGroup:(urn:li:dataPlatform:mlflow,churn-models,PROD)"
    assert got.owners == ["urn:li:corpuser:data_science_team", "urn:li:corpGroup:ml-platform"]
    assert got.tags == ["urn:li:tag:production", "urn:li:tag:classification"]
    assert got.terms == ["urn:li:glossaryTerm:Churn"]
    assert got.domain == "urn:li:domain:customer-analytics"
    assert got.version == "3"
    assert got.aliases == ["champion"]
    assert got.version_set == f"urn:li:versionSet:({guid({'urn': model.urn})},mlModel)"
    assert got.aspect_value("versionProperties")["sortId"] == "0000000003"  # type: ignore[index]
    assert got.hyper_params == {"learning_rate": "0.1"}
    assert got.training_metrics == {"auc": "0.91"}
    assert got.online_metrics == {"latency_ms": "12"}
    assert got.training_jobs == ["urn:li:dataProcessInstance:run-1"]
    assert got.features == ["urn:li:mlFeature:(users,age)"]
    assert got.deployments == ["urn:li:mlModelDeployment:(urn:li:dataPlatform:sagemaker,ep,PROD)"]
    assert got.created == T0_MS
    assert got.last_modified == T0_MS + 1
    assert got.external_url == "https://mlflow/churn"
    assert got.model_type == "Gradient boosting"
    assert got.platform == "mlflow"


def test_mlmodel_defaults_and_name_fallback(sdk: Client) -> None:
    got = roundtrip(sdk, MLModel(id="bare", platform="mlflow", env="DEV"))
    assert got.urn == "urn:li:mlModel:(urn:li:dataPlatform:mlflow,bare,DEV)"
    assert got.name == "bare"
    assert got.version is None and got.aliases == [] and got.tags == []
    assert got.intended_use is None and got.details is None


def test_mlmodel_setters_round_trip_through_update(sdk: Client) -> None:
    sdk.entities.upsert(MLModel(id="m", platform="mlflow"))
    model = sdk.entities.get(MlModelUrn(platform="mlflow", name="m"), MLModel)
    model.set_hyper_params({"max_depth": 6})
    model.add_hyper_param("subsample", "0.8")
    model.set_training_metrics({"accuracy": "0.87"})
    model.add_training_metric("recall", 0.82)
    model.set_online_metrics({"drift": "0.01"})
    model.add_owner(CorpUserUrn("alice"), "BUSINESS_OWNER")
    model.add_tag(TagUrn("production"))
    model.add_term("urn:li:glossaryTerm:Churn")
    model.set_domain("urn:li:domain:risk")
    model.set_description("new description")
    model.set_custom_properties({"k": "v"})
    model.set_external_url("https://example.com/m")
    model.set_version("v1.2")
    model.add_version_alias("challenger")
    model.add_group(MLModelGroup(id="g", platform="mlflow"))
    model.add_training_job(TrainingRun("r1"))
    model.add_deployment("urn:li:mlModelDeployment:(urn:li:dataPlatform:sagemaker,ep,PROD)")
    model.add_feature(MLFeature("age", namespace="users"))
    model.set_name("Renamed")
    sdk.entities.update(model)

    got = sdk.entities.get(model.urn, MLModel)
    assert got.hyper_params == {"max_depth": "6", "subsample": "0.8"}
    assert got.training_metrics == {"accuracy": "0.87", "recall": "0.82"}
    assert got.online_metrics == {"drift": "0.01"}
    assert got.aspect_value("ownership") == {
        "owners": [{"owner": "urn:li:corpuser:alice", "type": "BUSINESS_OWNER"}]
    }
    assert got.tags == ["urn:li:tag:production"]
    assert got.terms == ["urn:li:glossaryTerm:Churn"]
    assert got.domain == "urn:li:domain:risk"
    assert got.description == "new description"
    assert got.custom_properties == {"k": "v"}
    assert got.external_url == "https://example.com/m"
    assert got.version == "v1.2"
    assert got.aspect_value("versionProperties")["sortId"] == "v1.2"  # type: ignore[index]
    assert got.aliases == ["challenger"]
    assert got.groups == ["urn:li:mlModelGroup:(urn:li:dataPlatform:mlflow,g,PROD)"]
    assert got.training_jobs == ["urn:li:dataProcessInstance:r1"]
    assert got.features == ["urn:li:mlFeature:(users,age)"]
    assert got.name == "Renamed"

    got.remove_tag("production")
    got.remove_owner("alice")
    got.remove_version_alias("challenger")
    got.remove_group("urn:li:mlModelGroup:(urn:li:dataPlatform:mlflow,g,PROD)")
    got.set_domain(None)
    sdk.entities.update(got)
    again = sdk.entities.get(model.urn, MLModel)
    assert again.tags == [] and again.owners == [] and again.aliases == []
    assert again.groups == [] and again.domain is None
    assert "domains" not in again.aspect_names


def test_model_card_setters_round_trip(sdk: Client) -> None:
    model = MLModel(id="card", platform="mlflow")
    model.set_intended_use(
        primary_uses=["retention"], primary_users=["ENTERPRISE"], out_of_scope_uses=["realtime"]
    )
    model.set_ethical_considerations(
        data=["age"], human_life=["none"], mitigations=["audits"], risks_and_harms=["bias"],
        use_cases=["batch"],
    )  # fmt: skip
    model.set_caveats_and_recommendations(
        needs_further_testing=True,
        caveat_description="small sample",
        groups_not_represented=["EU"],
        recommendations="retrain monthly",
        ideal_dataset_characteristics=["balanced"],
    )
    model.set_training_data(
        [BaseData(DatasetUrn("snowflake", "features"), "labels", ["dedup"]), "urn:li:dataset:(urn:li:dataPlatform:s3,raw,PROD)"]
    )  # fmt: skip
    model.set_evaluation_data([DatasetUrn("snowflake", "holdout")])
    model.set_factor_prompts(
        relevant_factors=[ModelFactors(groups=["age"])],
        evaluation_factors=[{"environment": ["mobile"]}],
    )
    model.set_quantitative_analyses(unitary_results="https://dash/u", intersectional_results="x")
    model.set_metrics(performance_measures=["auc"], decision_threshold=["0.5"])
    model.set_source_code(model="https://git/m", training_pipeline="https://git/t")
    model.set_cost(cost_code="ML-42")
    model.set_details(
        algorithm="xgboost",
        target="churned",
        storage="s3://models/churn",
        image_repository="ecr/churn",
        server="https://serve/churn",
        dashboard="urn:li:dashboard:(grafana,churn)",
    )
    got = roundtrip(sdk, model)

    assert got.intended_use is not None
    assert got.intended_use.primaryUses == ["retention"]
    assert got.intended_use.primaryUsers == [IntendedUserType.ENTERPRISE]
    assert got.intended_use.outOfScopeUses == ["realtime"]
    ethics = got.ethical_considerations
    assert ethics is not None
    assert (ethics.data, ethics.humanLife, ethics.mitigations) == (["age"], ["none"], ["audits"])
    assert (ethics.risksAndHarms, ethics.useCases) == (["bias"], ["batch"])
    caveats = got.caveats_and_recommendations
    assert caveats is not None and caveats.caveats is not None
    assert caveats.caveats.needsFurtherTesting is True
    assert caveats.caveats.caveatDescription == "small sample"
    assert caveats.caveats.groupsNotRepresented == ["EU"]
    assert caveats.recommendations == "retrain monthly"
    assert caveats.idealDatasetCharacteristics == ["balanced"]
    assert got.training_data == [
        BaseData(
            "urn:li:dataset:(urn:li:dataPlatform:snowflake,features,PROD)", "labels", ["dedup"]
        ),
        BaseData("urn:li:dataset:(urn:li:dataPlatform:s3,raw,PROD)"),
    ]
    assert got.evaluation_data == [
        BaseData("urn:li:dataset:(urn:li:dataPlatform:snowflake,holdout,PROD)")
    ]
    prompts = got.factor_prompts
    assert prompts is not None
    assert prompts.relevantFactors == [ModelFactors(groups=["age"])]
    assert prompts.evaluationFactors == [ModelFactors(environment=["mobile"])]
    qa = got.quantitative_analyses
    assert qa is not None and (qa.unitaryResults, qa.intersectionalResults) == (
        "https://dash/u",
        "x",
    )
    metrics = got.metrics
    assert metrics is not None
    assert (metrics.performanceMeasures, metrics.decisionThreshold) == (["auc"], ["0.5"])
    assert got.source_code == {
        SourceCodeUrlType.ML_MODEL_SOURCE_CODE: "https://git/m",
        SourceCodeUrlType.TRAINING_PIPELINE_SOURCE_CODE: "https://git/t",
    }
    assert got.cost is not None and got.cost.cost.costCode == "ML-42"
    details = got.details
    assert details is not None and details.mlStore is not None
    assert (details.algorithm, details.target, details.server) == (
        "xgboost", "churned", "https://serve/churn",
    )  # fmt: skip
    assert (details.mlStore.storage, details.mlStore.imageRepository) == (
        "s3://models/churn",
        "ecr/churn",
    )
    assert details.dashboard == "urn:li:dashboard:(grafana,churn)"

    rels = {(r.type, r.urn) for r in sdk.relationships(got.urn, direction="outgoing")}
    assert ("TrainedOn", "urn:li:dataset:(urn:li:dataPlatform:snowflake,features,PROD)") in rels
    assert ("EvaluatedOn", "urn:li:dataset:(urn:li:dataPlatform:snowflake,holdout,PROD)") in rels
    assert ("MonitoredBy", "urn:li:dashboard:(grafana,churn)") in rels


def test_model_group_round_trip(sdk: Client) -> None:
    group = MLModelGroup(
        id="forecast",
        platform="mlflow",
        name="Forecast models",
        description="all forecasters",
        created=T0,
        last_modified=T0,
        owners=["urn:li:corpuser:datahub"],
        external_url="https://x/g",
        tags=["forecasting"],
        terms=["forecasting"],
        custom_properties={"team": "forecasting"},
        training_jobs=[TrainingRun("r9")],
    )
    got = roundtrip(sdk, group)
    assert got.name == "Forecast models"
    assert got.description == "all forecasters"
    assert (got.created, got.last_modified) == (T0_MS, T0_MS)
    assert got.owners == ["urn:li:corpuser:datahub"]
    assert got.external_url == "https://x/g"
    assert got.tags == ["urn:li:tag:forecasting"]
    assert got.terms == ["urn:li:glossaryTerm:forecasting"]
    assert got.custom_properties == {"team": "forecasting"}
    assert got.training_jobs == ["urn:li:dataProcessInstance:r9"]


def test_experiment_and_container_round_trip(sdk: Client) -> None:
    exp = Experiment(
        "churn-exp",
        name="Churn experiment",
        description="all churn runs",
        custom_properties={"team": "ds"},
        created=T0,
        last_modified=T0,
        tags=["ml"],
    )
    assert exp.urn == f"urn:li:container:{guid({'name': 'churn-exp', 'platform': 'mlflow'})}"
    got = sdk.entities.upsert(exp) and sdk.entities.get(exp.urn)
    assert isinstance(got, Experiment)
    assert got.name == "Churn experiment"
    assert got.subtype == "ML Experiment"
    assert got.platform == "mlflow"
    assert got.description == "all churn runs"
    assert got.custom_properties == {"team": "ds"}
    assert (got.created, got.last_modified) == (T0_MS, T0_MS)
    assert got.tags == ["urn:li:tag:ml"]

    plain = Container(
        ContainerKey(platform="mlflow", name="folder"),
        display_name="A folder",
        extra_properties={"a": "1"},
        qualified_name="mlflow.folder",
        parent_container=exp,
    )
    got_plain = sdk.entities.upsert(plain) and sdk.entities.get(plain.urn)
    assert type(got_plain) is Container
    assert got_plain.urn == ContainerKey("mlflow", "folder").as_urn()
    assert got_plain.display_name == "A folder"
    assert got_plain.custom_properties == {"a": "1"}
    assert got_plain.qualified_name == "mlflow.folder"
    assert got_plain.container == exp.urn
    assert got_plain.subtype is None


def test_container_guid_is_datahubs_rule() -> None:
    # md5 of the compact, key-sorted JSON of the key's non-None fields.
    assert container_guid("mlflow", "exp") == guid({"platform": "mlflow", "name": "exp"})
    text = '{"name":"exp","platform":"mlflow"}'
    assert container_guid("mlflow", "exp") == hashlib.md5(text.encode()).hexdigest()
    assert container_guid("mlflow") == guid({"platform": "mlflow"})


def test_training_run_round_trip(sdk: Client) -> None:
    exp = Experiment("e1")
    run = TrainingRun(
        "run-7",
        name="Run 7",
        platform="mlflow",
        created=T0,
        created_by="urn:li:corpuser:alice",
        custom_properties={"git": "abc"},
        external_url="https://mlflow/run-7",
        hyper_params={"lr": 0.01},
        training_metrics={"loss": 0.2},
        output_urls=["s3://out"],
        experiment=exp,
        inputs=[DatasetUrn("snowflake", "in")],
        outputs=[Dataset("snowflake", "out")],
        result="SUCCESS",
        start_timestamp=T0_MS,
        end_timestamp=T0_MS + 5000,
        tags=["nightly"],
    )
    got = roundtrip(sdk, run)
    assert got.urn == "urn:li:dataProcessInstance:run-7"
    assert got.run_id == "run-7"
    assert got.name == "Run 7"
    assert got.subtype == "ML Training Run"
    assert got.platform == "mlflow"
    assert got.created == T0_MS
    assert got.created_by == "urn:li:corpuser:alice"
    assert got.custom_properties == {"git": "abc"}
    assert got.external_url == "https://mlflow/run-7"
    assert got.hyper_params == {"lr": "0.01"}
    assert got.training_metrics == {"loss": "0.2"}
    assert got.output_urls == ["s3://out"]
    assert got.experiment == exp.urn
    assert got.inputs == ["urn:li:dataset:(urn:li:dataPlatform:snowflake,in,PROD)"]
    assert got.outputs == ["urn:li:dataset:(urn:li:dataPlatform:snowflake,out,PROD)"]
    assert got.aspect_value("dataProcessInstanceInput")["inputEdges"] == [  # type: ignore[index]
        {"destinationUrn": "urn:li:dataset:(urn:li:dataPlatform:snowflake,in,PROD)"}
    ]
    assert got.result == "SUCCESS"
    assert (got.start_timestamp, got.end_timestamp) == (T0_MS, T0_MS + 5000)
    assert got.tags == ["urn:li:tag:nightly"]

    started = roundtrip(sdk, TrainingRun("run-8", start_timestamp=T0_MS))
    assert started.run_event is not None and started.run_event.status == "STARTED"
    assert (started.start_timestamp, started.end_timestamp, started.result) == (T0_MS, None, None)


def test_dataset_round_trip(sdk: Client) -> None:
    ds = Dataset(
        platform="snowflake",
        name="db.iris",
        env="DEV",
        description="iris",
        display_name="Iris",
        qualified_name="db.public.iris",
        schema=[("id", "number"), ("species", "string", "the label"), Column("ts", "timestamp")],
        tags=["urn:li:tag:ml_data"],
        terms=["raw_data"],
        owners=[CorpUserUrn("urn:li:corpuser:datahub")],
        custom_properties={"records": 150},
        upstreams=[DatasetUrn("s3", "raw/iris.csv")],
        subtype="Table",
        domain="science",
    )
    got = roundtrip(sdk, ds)
    assert got.urn == "urn:li:dataset:(urn:li:dataPlatform:snowflake,db.iris,DEV)"
    assert got.display_name == "Iris"
    assert got.description == "iris"
    assert got.qualified_name == "db.public.iris"
    assert got.schema == [
        Column("id", "number"),
        Column("species", "string", "the label"),
        Column("ts", "timestamp"),
    ]
    fields = got.aspect_value("schemaMetadata")["fields"]  # type: ignore[index]
    assert fields[0]["type"] == {"type": {"com.linkedin.schema.NumberType": {}}}
    assert got.tags == ["urn:li:tag:ml_data"]
    assert got.terms == ["urn:li:glossaryTerm:raw_data"]
    assert got.owners == ["urn:li:corpuser:datahub"]
    assert got.custom_properties == {"records": "150"}
    assert got.upstreams == ["urn:li:dataset:(urn:li:dataPlatform:s3,raw/iris.csv,PROD)"]
    assert got.subtype == "Table"
    assert got.domain == "urn:li:domain:science"


def test_feature_and_feature_table_round_trip(sdk: Client) -> None:
    feature = MLFeature(
        "age",
        table="users",
        data_type="CONTINUOUS",
        description="age in years",
        sources=[
            DatasetUrn("snowflake", "users"),
            "urn:li:schemaField:(urn:li:dataset:(urn:li:dataPlatform:snowflake,users,PROD),age)",
        ],
        version="2",
        custom_properties={"unit": "years"},
    )
    table = MLFeatureTable(
        platform="feast",
        name="users",
        description="user features",
        features=[feature],
        primary_keys=["urn:li:mlPrimaryKey:(users,user_id)"],
    )
    sdk.entities.upsert([feature, table])
    got = sdk.entities.get(feature.urn, MLFeature)
    assert got.urn == "urn:li:mlFeature:(users,age)"
    assert (got.name, got.namespace) == ("age", "users")
    assert got.data_type == "CONTINUOUS"
    assert got.description == "age in years"
    assert got.sources == [
        "urn:li:dataset:(urn:li:dataPlatform:snowflake,users,PROD)",
        "urn:li:schemaField:(urn:li:dataset:(urn:li:dataPlatform:snowflake,users,PROD),age)",
    ]
    assert got.custom_properties == {"unit": "years"}
    got_table = sdk.entities.get(table.urn, MLFeatureTable)
    assert got_table.urn == "urn:li:mlFeatureTable:(urn:li:dataPlatform:feast,users)"
    assert got_table.name == "users"
    assert got_table.description == "user features"
    assert got_table.features == ["urn:li:mlFeature:(users,age)"]
    assert got_table.primary_keys == ["urn:li:mlPrimaryKey:(users,user_id)"]
    assert got_table.platform == "feast"


def test_deployment_round_trip_links_the_model(sdk: Client) -> None:
    model = MLModel(id="churn", platform="mlflow", version="1")
    sdk.entities.upsert(model)
    deployment = Deployment(
        platform="sagemaker",
        name="churn-endpoint",
        display_name="Churn endpoint",
        description="serves churn",
        status="IN_SERVICE",
        endpoint_url="https://sm/churn",
        model=model,
        version="1",
        created=T0,
    )
    sdk.entities.upsert(deployment)
    got = sdk.entities.get(deployment.urn, Deployment)
    assert got.urn == "urn:li:mlModelDeployment:(urn:li:dataPlatform:sagemaker,churn-endpoint,PROD)"
    assert got.name == "Churn endpoint"
    assert got.description == "serves churn"
    assert got.status is DeploymentStatus.IN_SERVICE
    assert got.endpoint_url == "https://sm/churn"
    assert got.version == "1"
    assert sdk.entities.get(model.urn, MLModel).deployments == [deployment.urn]
    incoming = sdk.relationships(deployment.urn, direction="incoming", types=["DeployedTo"])
    assert [(r.type, r.urn) for r in incoming] == [("DeployedTo", model.urn)]
    # Upserting again does not add the link twice, and the model's other fields stay.
    sdk.entities.upsert(deployment)
    again = sdk.entities.get(model.urn, MLModel)
    assert again.deployments == [deployment.urn] and again.version == "1"


def test_generic_entity_for_types_without_a_class(sdk: Client) -> None:
    sdk.aspects.put("urn:li:tag:pii", "tagProperties", {"name": "PII"})
    got = sdk.entities.get("urn:li:tag:pii")
    assert type(got) is Entity
    assert got.aspect_value("tagProperties") == {"name": "PII"}


def test_local_checks_fail_early_with_invalid_input() -> None:
    with pytest.raises(InvalidInput, match="set a version before adding the alias"):
        MLModel(id="m", platform="mlflow").add_version_alias("champion")
    with pytest.raises(InvalidInput, match="does not belong to entity type 'dataset'"):
        Dataset("s3", "x").set_aspect({"primaryUses": []}, "intendedUse")
    with pytest.raises(InvalidInput, match="mlModelGroup"):
        MLModel(id="m", platform="mlflow").add_group(
            "urn:li:dataset:(urn:li:dataPlatform:s3,x,PROD)"
        )
    with pytest.raises(InvalidInput, match="not a tag URN"):
        TagUrn("urn:li:corpuser:x")
    with pytest.raises(InvalidInput, match="needs a namespace"):
        MLFeature("age")


def test_model_and_its_deployment_in_one_upsert_keep_the_link(sdk: Client) -> None:
    model = MLModel(id="churn", platform="mlflow", version="1")
    deployment = Deployment(platform="sagemaker", name="churn-endpoint", model=model)
    sdk.entities.upsert([model, deployment])
    assert sdk.entities.get(model.urn, MLModel).deployments == [deployment.urn]
