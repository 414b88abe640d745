"""`Entity`: the aspects of one URN held as plain JSON dicts (camelCase, as the server
stores them), the setters every entity type shares, and the bookkeeping that lets
`client.entities.update` send only what changed, guarded by each aspect's version."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, ClassVar, Self, TypeVar

import orjson

from mlgraph.errors import InvalidInput
from mlgraph.model.aspects import Aspect
from mlgraph.model.aspects.common import OwnershipType
from mlgraph.model.display import display_name
from mlgraph.model.registry import ENTITIES, EntityKey, aspect_spec, parse_urn
from mlgraph.model.urn import Urn, platform_name, platform_urn
from mlgraph.sdk.urns import DomainUrn, GlossaryTermUrn, TagUrn, checked_urn, owner_urn

A = TypeVar("A", bound=Aspect)
Timestamp = datetime | int | float


def to_millis(value: Timestamp) -> int:
    """Epoch milliseconds from a datetime (naive ones read as local time, as DataHub's
    SDK does) or from a number that already is milliseconds."""
    if isinstance(value, datetime):
        return int(value.timestamp() * 1000)
    return int(value)


def name_values(values: Mapping[str, Any] | None) -> list[dict[str, str]]:
    """`{"lr": 0.1}` -> `[{"name": "lr", "value": "0.1"}]` (hyper-params and metrics)."""
    return [{"name": str(k), "value": str(v)} for k, v in (values or {}).items()]


def value_map(items: Iterable[Mapping[str, Any]] | None) -> dict[str, str | None]:
    return {i["name"]: i.get("value") for i in items or ()}


class Entity:
    """Any entity, by URN. Subclasses add constructors and typed setters per type."""

    ENTITY_TYPE: ClassVar[str] = ""
    PROPERTIES: ClassVar[str | None] = None  # the aspect holding name/description/...

    def __init__(self, urn: str) -> None:
        parsed = Urn.parse(str(urn))
        if self.ENTITY_TYPE and parsed.entity_type != self.ENTITY_TYPE:
            raise InvalidInput(f"{urn} is not a {self.ENTITY_TYPE} URN")
        if parsed.entity_type not in ENTITIES:
            raise InvalidInput(f"{urn} names unknown entity type {parsed.entity_type!r}")
        self._urn = str(urn)
        self._type = parsed.entity_type
        self._aspects: dict[str, dict[str, Any]] = {}
        # aspect -> (version, value as last written or read); `_loaded` once either happened
        self._synced: dict[str, tuple[int, bytes]] = {}
        self._loaded = False
        self.removed = False

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._urn!r})"

    @property
    def urn(self) -> str:
        return self._urn

    @property
    def entity_type(self) -> str:
        return self._type

    @property
    def key(self) -> EntityKey:
        """The identity the URN carries: platform, name and environment."""
        return parse_urn(self._urn)[2]

    @property
    def display_name(self) -> str:
        """What people call this entity, by the rule the server's search, UI and
        GraphQL use (`mlgraph.model.display`): its properties' name, else its key name."""
        return display_name(self._type, self.key.name, self._aspects)

    # -- aspects ---------------------------------------------------------------

    @property
    def aspect_names(self) -> list[str]:
        return sorted(self._aspects)

    def aspect_value(self, name: str) -> dict[str, Any] | None:
        """A copy of one aspect's JSON value, or None."""
        value = self._aspects.get(name)
        return None if value is None else orjson.loads(orjson.dumps(value))

    def get_aspect(self, cls: type[A]) -> A | None:
        """One aspect as its declared class, e.g. `model.get_aspect(IntendedUse)`."""
        value = self._aspects.get(cls.ASPECT_NAME)
        return None if value is None else cls.model_validate(value)

    def set_aspect(self, value: Aspect | Mapping[str, Any], name: str | None = None) -> None:
        """Replace one aspect: an instance of an aspect class from
        `mlgraph.model.aspects`, or a JSON mapping plus its aspect `name`."""
        if isinstance(value, Aspect):
            name = value.ASPECT_NAME
            data = value.model_dump(mode="json", exclude_none=True)
        elif name is None:
            raise InvalidInput("set_aspect needs the aspect name when given a mapping")
        else:
            data = orjson.loads(orjson.dumps(dict(value)))
        aspect_spec(ENTITIES[self._type], name)
        self._aspects[name] = data

    def remove_aspect(self, name: str) -> None:
        """Drop an aspect; `client.entities.update` then deletes it on the server."""
        self._aspects.pop(name, None)

    def _mutable(self, name: str) -> dict[str, Any]:
        value = self._aspects.get(name)
        if value is None:
            value = self._aspects[name] = {}
        return value

    def _field(self, aspect: str, field: str) -> Any:
        return (self._aspects.get(aspect) or {}).get(field)

    def _props(self) -> dict[str, Any]:
        if self.PROPERTIES is None:
            raise InvalidInput(f"{type(self).__name__} has no properties aspect")
        return self._mutable(self.PROPERTIES)

    def _prop(self, field: str) -> Any:
        return self._field(self.PROPERTIES, field) if self.PROPERTIES else None

    def _add_to_list(self, aspect: str, field: str, item: Any) -> None:
        items = self._mutable(aspect).setdefault(field, [])
        if item not in items:
            items.append(item)

    def _remove_from_list(self, aspect: str, field: str, item: Any) -> None:
        items = self._field(aspect, field)
        if items and item in items:
            items.remove(item)

    # -- sync bookkeeping (used by the client) ---------------------------------

    def _pending(self, only_changed: bool) -> list[tuple[str, bytes | None, int | None]]:
        """(aspect, value JSON or None for a deletion, expected version) to write."""
        out: list[tuple[str, bytes | None, int | None]] = []
        for name, value in self._aspects.items():
            raw = orjson.dumps(value)
            synced = self._synced.get(name)
            if not only_changed:
                out.append((name, raw, None))
            elif synced is None:
                out.append((name, raw, 0 if self._loaded else None))
            elif synced[1] != raw:
                out.append((name, raw, synced[0]))
        if only_changed:
            out.extend(
                (name, None, version)
                for name, (version, _) in self._synced.items()
                if name not in self._aspects
            )
        return out

    def _links(self) -> list[tuple[str, str, str, str]]:
        """Writes to other entities this one implies: (target URN, aspect, list field,
        URN to add). Only a deployment's model has one so far."""
        return []

    def _mark_synced(self, aspect: str, raw: bytes | None, version: int | None) -> None:
        self._loaded = True
        if raw is None or version is None:
            self._synced.pop(aspect, None)
        else:
            self._synced[aspect] = (version, raw)

    @classmethod
    def _from_server(cls, data: dict[str, Any]) -> Self:
        entity = cls.__new__(cls)
        Entity.__init__(entity, data["urn"])
        entity.removed = bool(data.get("removed", False))
        for name, view in (data.get("aspects") or {}).items():
            value = view.get("value")
            if value is not None:
                entity._aspects[name] = value
                entity._synced[name] = (view["version"], orjson.dumps(value))
        entity._loaded = True
        return entity

    # -- ownership, tags, terms, domain ----------------------------------------

    @property
    def owners(self) -> list[str]:
        return [o["owner"] for o in self._field("ownership", "owners") or ()]

    def add_owner(
        self, owner: str, type: OwnershipType | str = OwnershipType.TECHNICAL_OWNER
    ) -> None:
        """Add a user or group (URN, or a plain user name) as owner of this type."""
        urn = owner_urn(owner)
        owners = self._mutable("ownership").setdefault("owners", [])
        entry = {"owner": str(urn), "type": str(OwnershipType(type))}
        if entry not in owners:
            owners.append(entry)

    def remove_owner(self, owner: str) -> None:
        urn = owner_urn(owner)
        owners = self._field("ownership", "owners") or []
        owners[:] = [o for o in owners if o["owner"] != urn]

    def set_owners(self, owners: Iterable[str]) -> None:
        self._aspects["ownership"] = {"owners": []}
        for owner in owners:
            self.add_owner(owner)

    @property
    def tags(self) -> list[str]:
        return [t["tag"] for t in self._field("globalTags", "tags") or ()]

    def add_tag(self, tag: str) -> None:
        """Add a tag by URN or plain name (`"production"` -> `urn:li:tag:production`)."""
        self._add_to_list("globalTags", "tags", {"tag": str(TagUrn(tag))})

    def remove_tag(self, tag: str) -> None:
        self._remove_from_list("globalTags", "tags", {"tag": str(TagUrn(tag))})

    def set_tags(self, tags: Iterable[str]) -> None:
        self._aspects["globalTags"] = {"tags": [{"tag": str(TagUrn(t))} for t in tags]}

    @property
    def terms(self) -> list[str]:
        return [t["urn"] for t in self._field("glossaryTerms", "terms") or ()]

    def add_term(self, term: str) -> None:
        """Add a glossary term by URN or plain name."""
        self._add_to_list("glossaryTerms", "terms", {"urn": str(GlossaryTermUrn(term))})

    def remove_term(self, term: str) -> None:
        self._remove_from_list("glossaryTerms", "terms", {"urn": str(GlossaryTermUrn(term))})

    def set_terms(self, terms: Iterable[str]) -> None:
        self._aspects["glossaryTerms"] = {
            "terms": [{"urn": str(GlossaryTermUrn(t))} for t in terms]
        }

    @property
    def domain(self) -> str | None:
        domains = self._field("domains", "domains")
        return domains[0] if domains else None

    def set_domain(self, domain: str | None) -> None:
        """Put the entity in one domain (URN or plain id); None takes it out."""
        if domain is None:
            self.remove_aspect("domains")
        else:
            self._aspects["domains"] = {"domains": [str(DomainUrn(domain))]}

    @property
    def subtype(self) -> str | None:
        names = self._field("subTypes", "typeNames")
        return names[0] if names else None

    def set_subtype(self, subtype: str | None) -> None:
        if subtype is None:
            self.remove_aspect("subTypes")
        else:
            self._aspects["subTypes"] = {"typeNames": [str(subtype)]}

    @property
    def platform(self) -> str | None:
        """The platform name (`mlflow`), from the URN or the dataPlatformInstance aspect."""
        value = self._field("dataPlatformInstance", "platform")
        if value:
            return platform_name(value)
        for part in Urn.parse(self._urn).parts:
            if part.startswith("urn:li:dataPlatform:"):
                return platform_name(part)
        return None

    def _set_platform(self, platform: str | None) -> None:
        if platform is not None:
            self._aspects["dataPlatformInstance"] = {"platform": platform_urn(platform)}

    @property
    def container(self) -> str | None:
        """The container (for a training run: the experiment) this entity is part of."""
        value: str | None = self._field("container", "container")
        return value

    def set_container(self, container: Any) -> None:
        urn = getattr(container, "urn", container)
        self._aspects["container"] = {"container": checked_urn(urn, "container")}

    # -- the properties aspect -------------------------------------------------

    @property
    def description(self) -> str | None:
        value: str | None = self._prop("description")
        return value

    def set_description(self, description: str | None) -> None:
        _put(self._props(), "description", description)

    @property
    def custom_properties(self) -> dict[str, str]:
        return dict(self._prop("customProperties") or {})

    def set_custom_properties(self, properties: Mapping[str, Any]) -> None:
        self._props()["customProperties"] = {str(k): str(v) for k, v in properties.items()}

    def add_custom_property(self, key: str, value: Any) -> None:
        self._props().setdefault("customProperties", {})[str(key)] = str(value)

    @property
    def external_url(self) -> str | None:
        value: str | None = self._prop("externalUrl")
        return value

    def set_external_url(self, url: str | None) -> None:
        _put(self._props(), "externalUrl", url)

    @property
    def created(self) -> int | None:
        """Creation time in epoch milliseconds, as the source system reported it."""
        stamp = self._prop("created")
        return stamp["time"] if stamp else None

    def set_created(self, when: Timestamp | None) -> None:
        _put(self._props(), "created", None if when is None else {"time": to_millis(when)})

    @property
    def last_modified(self) -> int | None:
        stamp = self._prop("lastModified")
        return stamp["time"] if stamp else None

    def set_last_modified(self, when: Timestamp | None) -> None:
        _put(self._props(), "lastModified", None if when is None else {"time": to_millis(when)})

    def _apply_common(
        self,
        *,
        description: str | None = None,
        custom_properties: Mapping[str, Any] | None = None,
        external_url: str | None = None,
        created: Timestamp | None = None,
        last_modified: Timestamp | None = None,
        owners: Iterable[str] | None = None,
        tags: Iterable[str] | None = None,
        terms: Iterable[str] | None = None,
        domain: str | None = None,
    ) -> None:
        """What most constructors take, applied only when given."""
        props = self._props()
        if description is not None:
            props["description"] = description
        if custom_properties:
            self.set_custom_properties(custom_properties)
        if external_url is not None:
            props["externalUrl"] = external_url
        if created is not None:
            props["created"] = {"time": to_millis(created)}
        if last_modified is not None:
            props["lastModified"] = {"time": to_millis(last_modified)}
        if owners:
            self.set_owners(owners)
        if tags:
            self.set_tags(tags)
        if terms:
            self.set_terms(terms)
        if domain is not None:
            self.set_domain(domain)


def _put(target: dict[str, Any], key: str, value: Any) -> None:
    if value is None:
        target.pop(key, None)
    else:
        target[key] = value
