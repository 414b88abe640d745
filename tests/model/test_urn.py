import re

import pytest

from mlgraph.errors import InvalidInput
from mlgraph.model.registry import parse_urn
from mlgraph.model.urn import Urn, encode_part, guid


def test_tuple_urn_round_trips_with_nested_platform() -> None:
    raw = "urn:li:mlModel:(urn:li:dataPlatform:mlflow,churn,PROD)"
    urn = Urn.parse(raw)
    assert urn.entity_type == "mlModel"
    assert urn.parts == ("urn:li:dataPlatform:mlflow", "churn", "PROD")
    assert str(urn) == raw


def test_single_part_urn_round_trips() -> None:
    assert str(Urn.parse("urn:li:corpuser:jdoe")) == "urn:li:corpuser:jdoe"


def test_schema_field_urn_nests_a_dataset_urn() -> None:
    raw = "urn:li:schemaField:(urn:li:dataset:(urn:li:dataPlatform:snowflake,db.t,PROD),city)"
    urn, _spec, key = parse_urn(raw)
    assert urn.parts[0] == "urn:li:dataset:(urn:li:dataPlatform:snowflake,db.t,PROD)"
    assert key.name == "city"
    assert str(urn) == raw


def test_key_fields_come_from_the_urn() -> None:
    _, spec, key = parse_urn("urn:li:dataset:(urn:li:dataPlatform:snowflake,db.orders,DEV)")
    assert (spec.name, key.platform, key.name, key.env) == (
        "dataset",
        "snowflake",
        "db.orders",
        "DEV",
    )


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("mlModel:churn", "must start with 'urn:li:'"),
        ("urn:li:mlModel", "must look like"),
        ("urn:li:mlModel:(urn:li:dataPlatform:mlflow,churn,PROD", "must end with ')'"),
        ("urn:li:mlModel:(urn:li:dataPlatform:mlflow,churn)", "a mlModel URN has 3"),
        ("urn:li:mlModel:(urn:li:dataPlatform:mlflow,churn,MOON)", "is not an environment"),
        ("urn:li:mlModel:(urn:li:corpuser:x,churn,PROD)", "must be a dataPlatform URN"),
        ("urn:li:spaceship:(a,b)", "unknown entity type 'spaceship'"),
        ("urn:li:mlModel:(urn:li:dataPlatform:mlflow,,PROD)", "empty part"),
        (42, "must be a string"),
    ],
)
def test_malformed_urns_are_refused_with_the_reason(raw: object, message: str) -> None:
    with pytest.raises(InvalidInput, match=re.escape(message)):
        parse_urn(raw)


def test_reserved_characters_are_percent_encoded() -> None:
    assert encode_part("a,b(c)") == "a%2Cb%28c%29"


def test_guid_matches_datahubs_container_key_rule() -> None:
    # Value verified against the real DataHub client (shared/reference/datahub.md §2).
    assert (
        guid({"id": "churn-exp", "platform": "urn:li:dataPlatform:mlflow"})
        == "5e92d4b8f4d31070b7456725d75d74d5"
    )
