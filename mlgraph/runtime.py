"""The composition root: builds engines, store and services from `Settings`.

Nothing here is a module-level singleton; the app, the CLI and each test build their
own `Services` and close it when done.
"""

from __future__ import annotations

from dataclasses import dataclass

from mlgraph.config import Settings
from mlgraph.services.approvals import ApprovalService
from mlgraph.services.audit import AuditLog
from mlgraph.services.comparison import ComparisonService
from mlgraph.services.entities import EntityService
from mlgraph.services.identity import IdentityService
from mlgraph.services.lineage import LineageService
from mlgraph.services.oidc import OidcSignIn
from mlgraph.services.policies import default_policies
from mlgraph.services.provenance import ProvenanceService
from mlgraph.services.registry import RegistryService
from mlgraph.services.search import SearchService
from mlgraph.services.writes import WriteService
from mlgraph.store.approval_store import ApprovalStore
from mlgraph.store.aspect_store import AspectStore
from mlgraph.store.audit_store import AuditStore
from mlgraph.store.engine import Engines, build_engines
from mlgraph.store.external_ids import ExternalIdStore
from mlgraph.store.graph_store import GraphStore
from mlgraph.store.identity_store import IdentityStore
from mlgraph.store.member_store import MemberStore
from mlgraph.store.migrate import upgrade
from mlgraph.store.overview_store import OverviewStore
from mlgraph.store.search_store import SearchStore


@dataclass
class Services:
    settings: Settings
    engines: Engines
    writes: WriteService
    entities: EntityService
    lineage: LineageService
    provenance: ProvenanceService
    comparison: ComparisonService
    search: SearchService
    registry: RegistryService
    identity: IdentityService
    approvals: ApprovalService
    audit: AuditLog
    oidc: OidcSignIn

    def close(self) -> None:
        self.identity.flush()
        self.engines.dispose()


def build_services(settings: Settings) -> Services:
    engines = build_engines(settings.database_url, sqlite_mmap_from=settings.sqlite_mmap_from)
    if settings.auto_migrate:
        with engines.write_lock:
            upgrade(engines.write)
    store = AspectStore(engines)
    lineage = LineageService(GraphStore(engines))
    provenance = ProvenanceService(store, lineage)
    entities = EntityService(store, OverviewStore(engines), ExternalIdStore(engines))
    audit = AuditLog(AuditStore(engines))
    writes = WriteService(store, default_policies(settings), audit)
    identity = IdentityService(IdentityStore(engines), writes, settings, audit)
    return Services(
        settings=settings,
        engines=engines,
        writes=writes,
        entities=entities,
        lineage=lineage,
        provenance=provenance,
        comparison=ComparisonService(store, provenance),
        search=SearchService(SearchStore(engines), store, MemberStore(engines)),
        registry=RegistryService(entities),
        identity=identity,
        approvals=ApprovalService(ApprovalStore(engines), store, entities, settings, audit),
        audit=audit,
        oidc=OidcSignIn(settings, identity),
    )
