"""Seed 001's GraphQL queries (DataHub's "AI/ML integration" tutorial), run verbatim
over the demo catalog, which loads the tutorial's airline-forecast system.

Two URN literals in the tutorial are not URNs the demo (or DataHub) writes:
- the experiment `urn:li:container:airline_forecast_experiment`: a container URN's key
  is a GUID derived from the container key (platform + name), as DataHub's
  ContainerKey makes it, so the demo's experiment is `experiment().urn`;
- `urn:li:mlModelGroup:(urn:li:dataPlatform:mlflow,airline_forecast_models_group)`:
  an mlModelGroup URN has three key parts (platform, name, env); the tutorial's own
  first group query uses `...,PROD)`, which is what the demo writes.
Those queries run with only that literal replaced; the tutorial's literals themselves
are checked too (null for the unknown container, invalid_urn for the 2-part group).

Values follow the demo's final state: the tutorial's "Update Properties" step changes
the group's and the experiment's descriptions and sets the model's version to "2".
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from mlgraph.demo.airline_forecast import experiment
from tests.graphql.conftest import gql

pytestmark = pytest.mark.usefixtures("demo")

GROUP = "urn:li:mlModelGroup:(urn:li:dataPlatform:mlflow,airline_forecast_models_group,PROD)"
SEED_GROUP = "urn:li:mlModelGroup:(urn:li:dataPlatform:mlflow,airline_forecast_models_group)"
SEED_CONTAINER = "urn:li:container:airline_forecast_experiment"
RUN = "urn:li:dataProcessInstance:simple_training_run"

MODEL_GROUP_PROPERTIES = """
query {
  mlModelGroup(
    urn: "urn:li:mlModelGroup:(urn:li:dataPlatform:mlflow,airline_forecast_models_group,PROD)"
  ) {
    properties {
      name
      description
      created {
        time
      }
    }
  }
}
"""

MODEL_VERSION = """
query {
  mlModel(urn: "urn:li:mlModel:(urn:li:dataPlatform:mlflow,arima_model,PROD)") {
    properties {
      name
      description
    }
    versionProperties {
      version {
        versionTag
      }
    }
  }
}
"""

EXPERIMENT = """
query {
  container(urn: "urn:li:container:airline_forecast_experiment") {
    properties {
      name
      description
    }
  }
}
"""

TRAINING_RUN = """
query {
  dataProcessInstance(urn: "urn:li:dataProcessInstance:simple_training_run") {
    name
    created {
      time
    }
    properties {
      customProperties
    }
  }
}
"""

DATASET = """
query {
  dataset(
    urn: "urn:li:dataset:(urn:li:dataPlatform:snowflake,iris_input,PROD)"
  ) {
    name
    properties {
      customProperties
    }
  }
}
"""

MODEL_GROUPS = """
query {
  mlModel(urn: "urn:li:mlModel:(urn:li:dataPlatform:mlflow,arima_model,PROD)") {
    name
    properties {
      groups {
        urn
        properties {
          name
        }
      }
    }
  }
}
"""

RUN_EXPERIMENT = """
query {
  dataProcessInstance(urn: "urn:li:dataProcessInstance:simple_training_run") {
    name
    parentContainers {
      containers {
        urn
        properties {
          name
        }
      }
    }
  }
}
"""

MODEL_TRAINING_JOBS = """
query {
  mlModel(urn: "urn:li:mlModel:(urn:li:dataPlatform:mlflow,arima_model,PROD)") {
    name
    properties {
      mlModelLineageInfo {
        trainingJobs
      }
    }
  }
}
"""

GROUP_TRAINING_JOBS = """
query {
  mlModelGroup(
    urn: "urn:li:mlModelGroup:(urn:li:dataPlatform:mlflow,airline_forecast_models_group)"
  ) {
    name
    properties {
      mlModelLineageInfo {
        trainingJobs
      }
    }
  }
}
"""


def test_model_group_properties(client: TestClient) -> None:
    body = gql(client, MODEL_GROUP_PROPERTIES)
    assert "errors" not in body
    props = body["data"]["mlModelGroup"]["properties"]
    assert set(props) == {"name", "description", "created"}
    assert props["name"] == "Airline Forecast Models Group"
    assert props["description"] == "Updated description for airline forecast models"
    assert set(props["created"]) == {"time"}
    assert isinstance(props["created"]["time"], int) and props["created"]["time"] > 0


def test_model_name_description_and_version(client: TestClient) -> None:
    assert gql(client, MODEL_VERSION) == {
        "data": {
            "mlModel": {
                "properties": {
                    "name": "ARIMA Model",
                    "description": "ARIMA model for airline passenger forecasting",
                },
                "versionProperties": {"version": {"versionTag": "2"}},
            }
        }
    }


def test_experiment_by_its_real_urn(client: TestClient) -> None:
    real = experiment().urn
    assert real != SEED_CONTAINER and real.startswith("urn:li:container:")
    assert gql(client, EXPERIMENT.replace(SEED_CONTAINER, real)) == {
        "data": {
            "container": {
                "properties": {
                    "name": "Airline Forecast Experiment",
                    "description": "Updated experiment for forecasting passenger numbers",
                }
            }
        }
    }


def test_experiment_by_the_tutorial_literal_is_null(client: TestClient) -> None:
    # A well-formed URN the catalog does not hold: null, as DataHub answers.
    assert gql(client, EXPERIMENT) == {"data": {"container": None}}


def test_training_run(client: TestClient) -> None:
    assert gql(client, TRAINING_RUN) == {
        "data": {
            "dataProcessInstance": {
                "name": "Simple Training Run",
                "created": {"time": 1628580000000},
                "properties": {"customProperties": {"team": "forecasting"}},
            }
        }
    }


def test_dataset(client: TestClient) -> None:
    assert gql(client, DATASET) == {
        "data": {
            "dataset": {
                "name": "iris_input",
                "properties": {
                    "customProperties": {
                        "data_source": "UCI Repository",
                        "records": "150",
                        "features": "4",
                    }
                },
            }
        }
    }


def test_model_groups(client: TestClient) -> None:
    # The tutorial prints the group URN without ",PROD"; the group is the same one.
    assert gql(client, MODEL_GROUPS) == {
        "data": {
            "mlModel": {
                "name": "ARIMA Model",
                "properties": {
                    "groups": [
                        {"urn": GROUP, "properties": {"name": "Airline Forecast Models Group"}}
                    ]
                },
            }
        }
    }


def test_run_experiment(client: TestClient) -> None:
    # The tutorial prints the container as `airline_forecast_experiment`; it is a GUID.
    assert gql(client, RUN_EXPERIMENT) == {
        "data": {
            "dataProcessInstance": {
                "name": "Simple Training Run",
                "parentContainers": {
                    "containers": [
                        {
                            "urn": experiment().urn,
                            "properties": {"name": "Airline Forecast Experiment"},
                        }
                    ]
                },
            }
        }
    }


def test_model_training_jobs(client: TestClient) -> None:
    assert gql(client, MODEL_TRAINING_JOBS) == {
        "data": {
            "mlModel": {
                "name": "ARIMA Model",
                "properties": {"mlModelLineageInfo": {"trainingJobs": [RUN]}},
            }
        }
    }


def test_group_training_jobs_by_its_real_urn(client: TestClient) -> None:
    assert gql(client, GROUP_TRAINING_JOBS.replace(SEED_GROUP, GROUP)) == {
        "data": {
            "mlModelGroup": {
                "name": "Airline Forecast Models Group",
                "properties": {"mlModelLineageInfo": {"trainingJobs": [RUN]}},
            }
        }
    }


def test_group_by_the_tutorial_literal_is_an_invalid_urn(client: TestClient) -> None:
    body = gql(client, GROUP_TRAINING_JOBS)
    assert body["data"] == {"mlModelGroup": None}
    [error] = body["errors"]
    assert error["extensions"] == {"code": "invalid_urn"}
    assert error["path"] == ["mlModelGroup"]
    assert "3" in error["message"]  # names the key shape it expected
