"""URN constructors shaped like DataHub's (`TagUrn("production")`,
`MlModelUrn(platform="mlflow", name="churn")`). Each is a `str`, so it goes anywhere a
URN string does; a full URN passed in is checked and kept as is."""

from __future__ import annotations

from typing import ClassVar, Self

from mlgraph.errors import InvalidInput
from mlgraph.model.urn import PREFIX, Urn, encode_part, guid, platform_urn


class _SimpleUrn(str):
    """A one-part URN: given a plain name, the entity-type prefix is added."""

    ENTITY_TYPE: ClassVar[str]

    def __new__(cls, value: str) -> Self:
        return str.__new__(cls, _simple(cls.ENTITY_TYPE, value))

    @property
    def entity_type(self) -> str:
        return self.ENTITY_TYPE


def _simple(entity_type: str, value: str) -> str:
    value = str(value)
    if value.startswith(PREFIX):
        parsed = Urn.parse(value)
        if parsed.entity_type != entity_type:
            raise InvalidInput(f"{value!r} is a {parsed.entity_type} URN, not a {entity_type} URN")
        return value
    if not value or value.strip() != value:
        raise InvalidInput(f"{value!r} is not a valid {entity_type} name")
    return f"{PREFIX}{entity_type}:{value}"


class CorpUserUrn(_SimpleUrn):
    ENTITY_TYPE = "corpuser"


class CorpGroupUrn(_SimpleUrn):
    ENTITY_TYPE = "corpGroup"


class TagUrn(_SimpleUrn):
    ENTITY_TYPE = "tag"


class GlossaryTermUrn(_SimpleUrn):
    ENTITY_TYPE = "glossaryTerm"


class DomainUrn(_SimpleUrn):
    ENTITY_TYPE = "domain"


class DataProcessInstanceUrn(_SimpleUrn):
    ENTITY_TYPE = "dataProcessInstance"


class ContainerUrn(_SimpleUrn):
    ENTITY_TYPE = "container"


class _PlatformNameEnvUrn(str):
    ENTITY_TYPE: ClassVar[str]

    def __new__(cls, platform: str, name: str, env: str = "PROD") -> Self:
        return str.__new__(
            cls, f"{PREFIX}{cls.ENTITY_TYPE}:({platform_urn(platform)},{encode_part(name)},{env})"
        )


class DatasetUrn(_PlatformNameEnvUrn):
    ENTITY_TYPE = "dataset"


class MlModelUrn(_PlatformNameEnvUrn):
    ENTITY_TYPE = "mlModel"


class MlModelGroupUrn(_PlatformNameEnvUrn):
    ENTITY_TYPE = "mlModelGroup"


class MlModelDeploymentUrn(_PlatformNameEnvUrn):
    ENTITY_TYPE = "mlModelDeployment"


class MlFeatureUrn(str):
    def __new__(cls, namespace: str, name: str) -> Self:
        return str.__new__(cls, f"{PREFIX}mlFeature:({encode_part(namespace)},{encode_part(name)})")


class MlFeatureTableUrn(str):
    def __new__(cls, platform: str, name: str) -> Self:
        return str.__new__(
            cls, f"{PREFIX}mlFeatureTable:({platform_urn(platform)},{encode_part(name)})"
        )


class VersionSetUrn(str):
    def __new__(cls, id: str, entity_type: str) -> Self:
        return str.__new__(cls, f"{PREFIX}versionSet:({id},{entity_type})")


def owner_urn(owner: str) -> str:
    """A user or group URN as given, or a plain name read as a user."""
    owner = str(owner)
    if owner.startswith(PREFIX):
        kind = Urn.parse(owner).entity_type
        if kind not in ("corpuser", "corpGroup"):
            raise InvalidInput(f"an owner must be a corpuser or corpGroup URN, not {owner!r}")
        return owner
    return CorpUserUrn(owner)


def model_version_set(model_urn: str) -> str:
    """The version set DataHub's SDK gives a model: one per model URN."""
    return VersionSetUrn(guid({"urn": str(model_urn)}), "mlModel")


def entity_type_of(urn: str) -> str:
    return Urn.parse(str(urn)).entity_type


def checked_urn(urn: str, *kinds: str) -> str:
    """`urn` as text after checking it parses and (if `kinds`) names one of those types."""
    text = str(urn)
    kind = Urn.parse(text).entity_type
    if kinds and kind not in kinds:
        raise InvalidInput(f"expected a {' or '.join(kinds)} URN, got {text!r}")
    return text
