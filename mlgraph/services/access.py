"""Access control: the first policy every write meets (`policies.default_policies`).

With authentication on, each write carries the caller's `Principal`, and a batch is
refused whole (403, naming the missing permission) unless the caller may do all of it:

- create an entity: the `editor` (or `admin`) role;
- change an entity that exists: be one of its owners (a user, or a member of an owning
  group), or an owner of one of its domains; an entity nobody owns may be changed by
  any editor; admins may change anything;
- hard-delete: admins only.

Ownership is read as stored before the batch, so a batch cannot make its caller an
owner and then use that.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mlgraph.errors import Forbidden, Unauthorized
from mlgraph.services.principal import Permission, Principal

if TYPE_CHECKING:
    from mlgraph.services.policies import PendingWrite

SIGN_IN = (
    "sign in to write: send an API token (Authorization: Bearer mlgp_...) or a user "
    "name and password (HTTP basic auth)"
)


def owners_of(value: dict[str, Any] | None) -> set[str]:
    """The owner URNs an `ownership` aspect value names."""
    return {o["owner"] for o in (value or {}).get("owners") or [] if isinstance(o, dict)}


def refuse(who: Principal, permission: Permission, urn: str | None, why: str) -> Forbidden:
    target = f" on {urn}" if urn else ""
    return Forbidden(
        f"permission denied: {who.describe()} lacks `{permission}`{target}: {why}",
        details={"permission": str(permission), "principal": who.urn, "urn": urn},
    )


def require(who: Principal | None, permission: Permission, why: str) -> None:
    """Refuse unless `who` holds `permission` (None: authentication off, or the
    machine's own administrator). For what is not a catalog write: users, tokens,
    and the MLflow door's artifact files (changing them takes the editor role)."""
    if who is None or who.can(permission):
        return
    if not who.authenticated:
        raise Unauthorized(SIGN_IN)
    raise refuse(who, permission, None, why)


class AccessControl:
    name = "access_control"

    def check(self, write: PendingWrite) -> None:
        who = write.ctx.principal
        if who is None or who.is_admin:
            return
        if not who.authenticated:
            raise Unauthorized(SIGN_IN)
        for urn in sorted(write.hard_deleted):
            raise refuse(who, Permission.HARD_DELETE, urn, "only admins hard-delete")
        created = write.created
        if created and not who.can(Permission.CREATE):
            urn = min(created)
            raise refuse(who, Permission.CREATE, urn, "creating entities needs the editor role")
        edited = sorted(write.edited)
        if not edited:
            return
        ownership = write.stored(edited, "ownership")
        domains = write.stored(edited, "domains")
        domain_urns = sorted({d for v in domains.values() for d in v.get("domains") or []})
        domain_owners = write.stored(domain_urns, "ownership") if domain_urns else {}
        mine = {who.urn, *who.groups}
        for urn in edited:
            owners = owners_of(ownership.get(urn))
            for d in (domains.get(urn) or {}).get("domains") or []:
                owners |= owners_of(domain_owners.get(d))
            if owners & mine:
                continue
            if not owners:
                if who.can(Permission.CREATE):
                    continue
                why = "nobody owns it, so it takes the editor role to change it"
            else:
                shown = ", ".join(sorted(owners)[:5])
                why = f"only its owners ({shown}), its domain's owners and admins may change it"
            raise refuse(who, Permission.EDIT, urn, why)
