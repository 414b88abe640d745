"""Seed 001 — DataHub's "ML system" tutorial: an ARIMA model forecasting airline
passengers, its model group, the "Airline Forecast Experiment", the training run
`simple_training_run` and the Iris input/output datasets; then every relationship the
tutorial draws, and its property updates (version 2, the `challenger` alias, more
tags and terms)."""

from __future__ import annotations

from datetime import UTC, datetime

from mlgraph.demo.writer import DemoWriter
from mlgraph.sdk import (
    AuditStamp,
    CorpUserUrn,
    DataProcessInstanceProperties,
    DataProcessInstanceUrn,
    Dataset,
    Experiment,
    GlossaryTermUrn,
    MLHyperParam,
    MLMetric,
    MLModel,
    MLModelGroup,
    MLTrainingRunProperties,
    RunResultType,
    TagUrn,
)

CREATED = datetime(2025, 4, 9, 22, 30, tzinfo=UTC)
RUN_ID = "simple_training_run"
RUN_URN = DataProcessInstanceUrn(RUN_ID)
IRIS_SCHEMA = [("id", "number"), ("name", "string"), ("species", "string")]


def model_group() -> MLModelGroup:
    return MLModelGroup(
        id="airline_forecast_models_group",
        platform="mlflow",
        name="Airline Forecast Models Group",
        description="Group of models for airline passenger forecasting",
        created=CREATED,
        last_modified=CREATED,
        owners=[CorpUserUrn("urn:li:corpuser:datahub")],
        external_url="https://www.linkedin.com/in/datahub",
        tags=["urn:li:tag:forecasting", "urn:li:tag:arima"],
        terms=["urn:li:glossaryTerm:forecasting"],
        custom_properties={"team": "forecasting"},
    )


def model() -> MLModel:
    return MLModel(
        id="arima_model",
        platform="mlflow",
        name="ARIMA Model",
        description="ARIMA model for airline passenger forecasting",
        created=CREATED,
        last_modified=CREATED,
        owners=[CorpUserUrn("urn:li:corpuser:datahub")],
        external_url="https://www.linkedin.com/in/datahub",
        tags=["urn:li:tag:forecasting", "urn:li:tag:arima"],
        terms=["urn:li:glossaryTerm:forecasting"],
        custom_properties={"team": "forecasting"},
        version="1",  # `champion` is pointed at it once approved (load)
        hyper_params={"learning_rate": "0.01"},
        training_metrics={"accuracy": "0.9"},
    )


def experiment() -> Experiment:
    return Experiment(
        id="airline_forecast_experiment",
        platform="mlflow",
        name="Airline Forecast Experiment",
        description="Experiment to forecast airline passenger numbers",
        custom_properties={"team": "forecasting"},
        created=CREATED,
        last_modified=CREATED,
    )


def datasets() -> tuple[Dataset, Dataset]:
    owners = [CorpUserUrn("urn:li:corpuser:datahub")]
    iris_input = Dataset(
        platform="snowflake",
        name="iris_input",
        description="Raw Iris dataset used for training ML models",
        schema=IRIS_SCHEMA,
        display_name="Iris Training Input Data",
        tags=["urn:li:tag:ml_data", "urn:li:tag:iris"],
        terms=["urn:li:glossaryTerm:raw_data"],
        owners=owners,
        custom_properties={"data_source": "UCI Repository", "records": "150", "features": "4"},
    )
    iris_output = Dataset(
        platform="snowflake",
        name="iris_output",
        description="Processed Iris dataset with model predictions",
        schema=IRIS_SCHEMA,
        display_name="Iris Model Output Data",
        tags=["urn:li:tag:ml_data", "urn:li:tag:predictions"],
        terms=["urn:li:glossaryTerm:model_output"],
        owners=owners,
        custom_properties={"model_version": "1.0", "records": "150", "accuracy": "0.95"},
    )
    return iris_input, iris_output


def load(writer: DemoWriter) -> None:
    client = writer.client
    group, mlmodel, exp = model_group(), model(), experiment()
    iris_input, iris_output = datasets()

    # Create: the group and the model are edited below, so only created once.
    writer.create(group)
    created = writer.create(mlmodel)
    writer.create(exp)
    writer.upsert(iris_input, iris_output)
    run_urn = client.create_training_run(
        run_id=RUN_ID,
        properties=DataProcessInstanceProperties(
            name="Simple Training Run",
            created=AuditStamp(time=1628580000000, actor="urn:li:corpuser:datahub"),
            customProperties={"team": "forecasting"},
        ),
        training_run_properties=MLTrainingRunProperties(
            id=RUN_ID,
            outputUrls=["s3://my-bucket/output"],
            trainingMetrics=[MLMetric(name="accuracy", value="0.9")],
            hyperParams=[MLHyperParam(name="learning_rate", value="0.01")],
            externalUrl="http://localhost:5000",
        ),
        run_result=RunResultType.FAILURE,
        start_timestamp=1628580000000,
        end_timestamp=1628580001000,
    )

    # Relationships.
    with writer.edit(mlmodel.urn, MLModel) as m:
        m.set_model_group(group.urn)
        m.add_training_job(RUN_URN)
    writer.record(client.add_run_to_experiment(run_urn=run_urn, experiment_urn=exp.urn))
    with writer.edit(group.urn, MLModelGroup) as g:
        g.add_training_job(RUN_URN)
    writer.record(client.add_input_datasets_to_run(run_urn, [iris_input.urn]))
    writer.record(client.add_output_datasets_to_run(run_urn, [iris_output.urn]))

    # The seed's `champion` alias, pointed through an approval: the alias is protected.
    evidence = [("training run", str(RUN_URN))]
    if created and writer.approved(
        str(mlmodel.urn), "alias:champion", evidence, "accuracy 0.9 on the holdout"
    ):
        with writer.edit(mlmodel.urn, MLModel) as m:
            m.add_version_alias("champion")

    # Property updates.
    with writer.edit(mlmodel.urn, MLModel) as m:
        m.set_version("2")
        m.add_tag(TagUrn("marketing"))
        m.add_term(GlossaryTermUrn("marketing"))
        m.add_version_alias("challenger")
    with writer.edit(group.urn, MLModelGroup) as g:
        g.set_description("Updated description for airline forecast models")
        g.add_tag(TagUrn("production"))
        g.add_term(GlossaryTermUrn("time-series"))
        g.set_custom_properties(
            {"team": "forecasting", "business_unit": "operations", "status": "active"}
        )
        g.set_domain("operations")
    with writer.edit(exp.urn, Experiment) as e:
        e.set_description("Updated experiment for forecasting passenger numbers")
        e.add_tag(TagUrn("time-series"))
        e.add_term(GlossaryTermUrn("forecasting"))
        e.set_custom_properties({"team": "forecasting", "priority": "high", "status": "active"})
