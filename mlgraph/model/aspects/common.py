"""Aspects every kind of entity may carry: ownership, tags, terms, domains, status."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from pydantic import Field

from mlgraph.model.aspects.base import Aspect
from mlgraph.model.fields import (
    AuditStamp,
    CustomProperties,
    Facet,
    Lineage,
    Record,
    Rel,
    Searchable,
    UrnStr,
)


class OwnershipType(StrEnum):
    TECHNICAL_OWNER = "TECHNICAL_OWNER"
    BUSINESS_OWNER = "BUSINESS_OWNER"
    DATA_STEWARD = "DATA_STEWARD"
    NONE = "NONE"
    DATAOWNER = "DATAOWNER"
    DEVELOPER = "DEVELOPER"
    PRODUCER = "PRODUCER"
    CONSUMER = "CONSUMER"
    STAKEHOLDER = "STAKEHOLDER"
    CUSTOM = "CUSTOM"


class Owner(Record):
    owner: Annotated[UrnStr, Rel("OwnedBy", None, "corpuser", "corpGroup"), Searchable("keyword")]
    type: OwnershipType = OwnershipType.TECHNICAL_OWNER
    typeUrn: UrnStr | None = None
    source: dict[str, Any] | None = None
    attribution: dict[str, Any] | None = None


class Ownership(Aspect):
    ASPECT_NAME = "ownership"
    owners: list[Owner] = Field(default_factory=list)
    ownerTypes: dict[str, Any] | None = None
    lastModified: AuditStamp | None = None


class TagAssociation(Record):
    tag: Annotated[UrnStr, Rel("TaggedWith", None, "tag"), Searchable("keyword")]
    context: str | None = None
    attribution: dict[str, Any] | None = None


class GlobalTags(Aspect):
    ASPECT_NAME = "globalTags"
    tags: list[TagAssociation] = Field(default_factory=list)


class GlossaryTermAssociation(Record):
    urn: Annotated[UrnStr, Rel("TermedWith", None, "glossaryTerm"), Searchable("keyword")]
    actor: UrnStr | None = None
    context: str | None = None
    attribution: dict[str, Any] | None = None


class GlossaryTerms(Aspect):
    ASPECT_NAME = "glossaryTerms"
    terms: list[GlossaryTermAssociation] = Field(default_factory=list)
    auditStamp: AuditStamp | None = None


class Domains(Aspect):
    ASPECT_NAME = "domains"
    domains: Annotated[
        list[UrnStr], Rel("AssociatedWith", None, "domain"), Searchable("keyword")
    ] = Field(default_factory=list)
    domainAssociations: list[dict[str, Any]] | None = None


class Status(Aspect):
    """`removed` is the soft-delete flag: a removed entity is hidden from lists."""

    ASPECT_NAME = "status"
    removed: bool = False
    lifecycleStage: str | None = None
    lifecycleLastUpdated: dict[str, Any] | None = None


class Deprecation(Aspect):
    ASPECT_NAME = "deprecation"
    deprecated: bool
    decommissionTime: int | None = None
    note: str = ""
    actor: UrnStr = "urn:li:corpuser:unknown"
    replacement: UrnStr | None = None


class SubTypes(Aspect):
    ASPECT_NAME = "subTypes"
    typeNames: Annotated[list[str], Searchable("keyword"), Facet("subtype")] = Field(
        default_factory=list
    )


class Container(Aspect):
    """Membership in a container; for training runs, the experiment they belong to."""

    ASPECT_NAME = "container"
    container: Annotated[UrnStr, Rel("IsPartOf", None, "container")]


class DataPlatformInstance(Aspect):
    ASPECT_NAME = "dataPlatformInstance"
    platform: UrnStr
    instance: UrnStr | None = None


class InstitutionalMemoryMetadata(Record):
    url: str
    description: str
    createStamp: AuditStamp | None = None


class InstitutionalMemory(Aspect):
    ASPECT_NAME = "institutionalMemory"
    elements: list[InstitutionalMemoryMetadata] = Field(default_factory=list)


class CorpUserInfo(Aspect):
    ASPECT_NAME = "corpUserInfo"
    active: bool = True
    displayName: Annotated[str | None, Searchable()] = None
    email: str | None = None
    title: str | None = None
    fullName: Annotated[str | None, Searchable()] = None
    customProperties: CustomProperties = Field(default_factory=dict)


class CorpGroupInfo(Aspect):
    ASPECT_NAME = "corpGroupInfo"
    displayName: Annotated[str | None, Searchable()] = None
    email: str | None = None
    description: Annotated[str | None, Searchable()] = None
    members: Annotated[list[UrnStr], Rel("IsMemberOfGroup", None, "corpuser")] = Field(
        default_factory=list
    )


class TagProperties(Aspect):
    ASPECT_NAME = "tagProperties"
    name: Annotated[str, Searchable()]
    description: Annotated[str | None, Searchable()] = None
    colorHex: str | None = None


class GlossaryTermInfo(Aspect):
    ASPECT_NAME = "glossaryTermInfo"
    name: Annotated[str | None, Searchable()] = None
    definition: Annotated[str, Searchable()] = ""
    termSource: str = "INTERNAL"
    customProperties: CustomProperties = Field(default_factory=dict)


class DomainProperties(Aspect):
    ASPECT_NAME = "domainProperties"
    name: Annotated[str, Searchable()]
    description: Annotated[str | None, Searchable()] = None
    parentDomain: Annotated[UrnStr | None, Rel("IsPartOf", None, "domain")] = None


class DataPlatformInfo(Aspect):
    ASPECT_NAME = "dataPlatformInfo"
    name: str
    displayName: str | None = None
    type: str = "OTHERS"
    datasetNameDelimiter: str = "."
    logoUrl: str | None = None


class VersionSetProperties(Aspect):
    ASPECT_NAME = "versionSetProperties"
    customProperties: CustomProperties = Field(default_factory=dict)
    latest: UrnStr
    versioningScheme: str = "LEXICOGRAPHIC_STRING"


__all__ = [
    "Container",
    "CorpGroupInfo",
    "CorpUserInfo",
    "DataPlatformInfo",
    "DataPlatformInstance",
    "Deprecation",
    "DomainProperties",
    "Domains",
    "GlobalTags",
    "GlossaryTermInfo",
    "GlossaryTerms",
    "InstitutionalMemory",
    "Lineage",
    "Ownership",
    "Status",
    "SubTypes",
    "TagProperties",
    "VersionSetProperties",
]
