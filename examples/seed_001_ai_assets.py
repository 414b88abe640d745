"""DataHub's "AI/ML framework integration" guide (seed 001), written with mlgraph's SDK:
model groups, models, experiments, training runs and datasets, basic and advanced, then
the relationships between them and later property updates.

DataHub's `client._emit_mcps(x.as_mcps())` is `client.entities.upsert(x)` here; the
training-run helpers of its `DatahubAIClient` are methods of our `Client`.

Run against a server: `MLGRAPH_URL=http://127.0.0.1:8731 python examples/seed_001_ai_assets.py`
"""

from __future__ import annotations

from datetime import datetime

from mlgraph.sdk import (
    AuditStamp,
    Client,
    Container,
    ContainerKey,
    CorpUserUrn,
    DataProcessInstanceProperties,
    DataProcessInstanceUrn,
    Dataset,
    GlossaryTermUrn,
    MLAssetSubTypes,
    MLHyperParam,
    MLMetric,
    MLModel,
    MLModelGroup,
    MLTrainingRunProperties,
    RunResultType,
    TagUrn,
)

# Use a unique prefix for all IDs to avoid conflicts
prefix = "test"

basic_model_group_id = f"{prefix}_basic_group"
basic_model_id = f"{prefix}_basic_model"
basic_experiment_id = f"{prefix}_basic_experiment"
basic_run_id = f"{prefix}_basic_run"
basic_dataset_id = f"{prefix}_basic_dataset"

advanced_model_group_id = f"{prefix}_airline_forecast_models_group"
advanced_model_id = f"{prefix}_arima_model"
advanced_experiment_id = f"{prefix}_airline_forecast_experiment"
advanced_run_id = f"{prefix}_simple_training_run"
advanced_input_dataset_id = f"{prefix}_iris_input"
advanced_output_dataset_id = f"{prefix}_iris_output"

basic_model_group_name = f"{prefix} Basic Group"
basic_model_name = f"{prefix} Basic Model"
basic_experiment_name = f"{prefix} Basic Experiment"
basic_run_name = f"{prefix} Basic Run"
basic_dataset_name = f"{prefix} Basic Dataset"

advanced_model_group_name = f"{prefix} Airline Forecast Models Group"
advanced_model_name = f"{prefix} ARIMA Model"
advanced_experiment_name = f"{prefix} Airline Forecast Experiment"
advanced_run_name = f"{prefix} Simple Training Run"
advanced_input_dataset_name = f"{prefix} Iris Training Input Data"
advanced_output_dataset_name = f"{prefix} Iris Model Output Data"


def create_basic_model_group(client: Client) -> MLModelGroup:
    print("Creating basic model group...")
    basic_model_group = MLModelGroup(
        id=basic_model_group_id,
        platform="mlflow",
        name=basic_model_group_name,
    )
    client.entities.upsert(basic_model_group)
    return basic_model_group


def create_advanced_model_group(client: Client) -> MLModelGroup:
    print("Creating advanced model group...")
    advanced_model_group = MLModelGroup(
        id=advanced_model_group_id,
        platform="mlflow",
        name=advanced_model_group_name,
        description="Group of models for airline passenger forecasting",
        created=datetime.now(),
        last_modified=datetime.now(),
        owners=[CorpUserUrn("urn:li:corpuser:datahub")],
        external_url="https://www.linkedin.com/in/datahub",
        tags=["urn:li:tag:forecasting", "urn:li:tag:arima"],
        terms=["urn:li:glossaryTerm:forecasting"],
        custom_properties={"team": "forecasting"},
    )
    client.entities.upsert(advanced_model_group)
    return advanced_model_group


def create_basic_model(client: Client) -> MLModel:
    print("Creating basic model...")
    basic_model = MLModel(
        id=basic_model_id,
        platform="mlflow",
        name=basic_model_name,
    )
    client.entities.upsert(basic_model)
    return basic_model


def create_advanced_model(client: Client) -> MLModel:
    print("Creating advanced model...")
    advanced_model = MLModel(
        id=advanced_model_id,
        platform="mlflow",
        name=advanced_model_name,
        description="ARIMA model for airline passenger forecasting",
        created=datetime.now(),
        last_modified=datetime.now(),
        owners=[CorpUserUrn("urn:li:corpuser:datahub")],
        external_url="https://www.linkedin.com/in/datahub",
        tags=["urn:li:tag:forecasting", "urn:li:tag:arima"],
        terms=["urn:li:glossaryTerm:forecasting"],
        custom_properties={"team": "forecasting"},
        version="1",
        aliases=["champion"],
        hyper_params={"learning_rate": "0.01"},
        training_metrics={"accuracy": "0.9"},
    )
    client.entities.upsert(advanced_model)
    return advanced_model


def create_basic_experiment(client: Client) -> Container:
    print("Creating basic experiment...")
    basic_experiment = Container(
        container_key=ContainerKey(platform="mlflow", name=basic_experiment_id),
        display_name=basic_experiment_name,
    )
    client.entities.upsert(basic_experiment)
    return basic_experiment


def create_advanced_experiment(client: Client) -> Container:
    print("Creating advanced experiment...")
    advanced_experiment = Container(
        container_key=ContainerKey(platform="mlflow", name=advanced_experiment_id),
        display_name=advanced_experiment_name,
        description="Experiment to forecast airline passenger numbers",
        extra_properties={"team": "forecasting"},
        created=datetime(2025, 4, 9, 22, 30),
        last_modified=datetime(2025, 4, 9, 22, 30),
        subtype=MLAssetSubTypes.MLFLOW_EXPERIMENT,
    )
    client.entities.upsert(advanced_experiment)
    return advanced_experiment


def create_basic_training_run(client: Client) -> str:
    print("Creating basic training run...")
    return client.create_training_run(run_id=basic_run_id, run_name=basic_run_name)


def create_advanced_training_run(client: Client) -> str:
    print("Creating advanced training run...")
    return client.create_training_run(
        run_id=advanced_run_id,
        properties=DataProcessInstanceProperties(
            name=advanced_run_name,
            created=AuditStamp(time=1628580000000, actor="urn:li:corpuser:datahub"),
            customProperties={"team": "forecasting"},
        ),
        training_run_properties=MLTrainingRunProperties(
            id=advanced_run_id,
            outputUrls=["s3://my-bucket/output"],
            trainingMetrics=[MLMetric(name="accuracy", value="0.9")],
            hyperParams=[MLHyperParam(name="learning_rate", value="0.01")],
            externalUrl="https:localhost:5000",
        ),
        run_result=RunResultType.FAILURE,
        start_timestamp=1628580000000,
        end_timestamp=1628580001000,
    )


def create_basic_dataset(client: Client) -> Dataset:
    print("Creating basic dataset...")
    basic_input_dataset = Dataset(
        platform="snowflake",
        name=basic_dataset_id,
        display_name=basic_dataset_name,
    )
    client.entities.upsert(basic_input_dataset)
    return basic_input_dataset


def create_advanced_datasets(client: Client) -> tuple[Dataset, Dataset]:
    print("Creating advanced datasets...")
    advanced_input_dataset = Dataset(
        platform="snowflake",
        name=advanced_input_dataset_id,
        description="Raw Iris dataset used for training ML models",
        schema=[("id", "number"), ("name", "string"), ("species", "string")],
        display_name=advanced_input_dataset_name,
        tags=["urn:li:tag:ml_data", "urn:li:tag:iris"],
        terms=["urn:li:glossaryTerm:raw_data"],
        owners=[CorpUserUrn("urn:li:corpuser:datahub")],
        custom_properties={
            "data_source": "UCI Repository",
            "records": "150",
            "features": "4",
        },
    )
    advanced_output_dataset = Dataset(
        platform="snowflake",
        name=advanced_output_dataset_id,
        description="Processed Iris dataset with model predictions",
        schema=[("id", "number"), ("name", "string"), ("species", "string")],
        display_name=advanced_output_dataset_name,
        tags=["urn:li:tag:ml_data", "urn:li:tag:predictions"],
        terms=["urn:li:glossaryTerm:model_output"],
        owners=[CorpUserUrn("urn:li:corpuser:datahub")],
        custom_properties={
            "model_version": "1.0",
            "records": "150",
            "accuracy": "0.95",
        },
    )
    # One request for both: a list is upserted in batches.
    client.entities.upsert([advanced_input_dataset, advanced_output_dataset])
    return advanced_input_dataset, advanced_output_dataset


def add_model_to_model_group(client: Client, model: MLModel, model_group: MLModelGroup) -> None:
    print("Adding model to model group...")
    model.set_model_group(model_group.urn)
    client.entities.upsert(model)


def add_run_to_experiment(client: Client, run_urn: str, experiment: Container) -> None:
    print("Adding run to experiment...")
    client.add_run_to_experiment(run_urn=run_urn, experiment_urn=str(experiment.urn))


def add_run_to_model(client: Client, model: MLModel, run_id: str) -> None:
    print("Adding run to model...")
    model.add_training_job(DataProcessInstanceUrn(run_id))
    client.entities.upsert(model)


def add_run_to_model_group(client: Client, model_group: MLModelGroup, run_id: str) -> None:
    print("Adding run to model group...")
    model_group.add_training_job(DataProcessInstanceUrn(run_id))
    client.entities.upsert(model_group)


def add_input_dataset_to_run(client: Client, run_urn: str, input_dataset: Dataset) -> None:
    print("Adding input dataset to run...")
    client.add_input_datasets_to_run(run_urn=run_urn, dataset_urns=[str(input_dataset.urn)])


def add_output_dataset_to_run(client: Client, run_urn: str, output_dataset: Dataset) -> None:
    print("Adding output dataset to run...")
    client.add_output_datasets_to_run(run_urn=run_urn, dataset_urns=[str(output_dataset.urn)])


def update_model_properties(client: Client, model: MLModel) -> None:
    print("Updating model properties...")
    model.set_version("2")
    model.add_tag(TagUrn("marketing"))
    model.add_term(GlossaryTermUrn("marketing"))
    model.add_version_alias("challenger")
    client.entities.upsert(model)


def update_model_group_properties(client: Client, model_group: MLModelGroup) -> None:
    print("Updating model group properties...")
    model_group.set_description("Updated description for airline forecast models")
    model_group.add_tag(TagUrn("production"))
    model_group.add_term(GlossaryTermUrn("time-series"))
    model_group.set_custom_properties(
        {"team": "forecasting", "business_unit": "operations", "status": "active"}
    )
    client.entities.upsert(model_group)


def update_experiment_properties(client: Client) -> None:
    print("Updating experiment properties...")
    # As in the guide: a fresh object for the existing experiment. Upserting it
    # replaces the aspects it holds (containerProperties, tags, terms) and leaves the
    # others (subTypes) alone; use client.entities.get + update to edit in place.
    existing_experiment = Container(
        container_key=ContainerKey(platform="mlflow", name=advanced_experiment_id),
        display_name=advanced_experiment_name,
    )
    existing_experiment.set_description("Updated experiment for forecasting passenger numbers")
    existing_experiment.add_tag(TagUrn("time-series"))
    existing_experiment.add_term(GlossaryTermUrn("forecasting"))
    existing_experiment.set_custom_properties(
        {"team": "forecasting", "priority": "high", "status": "active"}
    )
    client.entities.upsert(existing_experiment)


def main(client: Client) -> None:
    print("Creating AI assets...")
    create_basic_model_group(client)
    create_basic_model(client)
    create_basic_experiment(client)
    create_basic_training_run(client)
    create_basic_dataset(client)

    advanced_model_group = create_advanced_model_group(client)
    advanced_model = create_advanced_model(client)
    advanced_experiment = create_advanced_experiment(client)
    advanced_run_urn = create_advanced_training_run(client)
    advanced_input_dataset, advanced_output_dataset = create_advanced_datasets(client)

    add_model_to_model_group(client, advanced_model, advanced_model_group)
    add_run_to_experiment(client, advanced_run_urn, advanced_experiment)
    add_run_to_model(client, advanced_model, advanced_run_id)
    add_run_to_model_group(client, advanced_model_group, advanced_run_id)
    add_input_dataset_to_run(client, advanced_run_urn, advanced_input_dataset)
    add_output_dataset_to_run(client, advanced_run_urn, advanced_output_dataset)

    update_model_properties(client, advanced_model)
    update_model_group_properties(client, advanced_model_group)
    update_experiment_properties(client)
    print("All done! AI entities created successfully.")


if __name__ == "__main__":
    with Client.from_env() as env_client:
        main(env_client)
