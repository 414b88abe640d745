"""Who a request acts as, once `services/identity.py` has checked its credentials."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Role(StrEnum):
    VIEWER = "viewer"  # reads
    EDITOR = "editor"  # creates entities, edits those nobody owns
    APPROVER = "approver"  # decides approval requests
    ADMIN = "admin"  # everything: hard deletes, users, tokens, roles, policies


class Permission(StrEnum):
    """What a refusal names as missing."""

    READ = "read"
    CREATE = "create"
    EDIT = "edit"
    HARD_DELETE = "hard_delete"
    MANAGE_USERS = "manage_users"
    MANAGE_TOKENS = "manage_tokens"
    APPROVE = "approve"  # decide approval requests
    AUDIT = "audit"  # read the audit log


# What each role grants on its own; owners may also edit what they own.
GRANTS: dict[Role, frozenset[Permission]] = {
    Role.VIEWER: frozenset({Permission.READ}),
    Role.EDITOR: frozenset({Permission.READ, Permission.CREATE}),
    Role.APPROVER: frozenset({Permission.READ, Permission.APPROVE}),
    Role.ADMIN: frozenset(Permission),
}


@dataclass(frozen=True, slots=True)
class Principal:
    urn: str  # a corpuser URN
    roles: frozenset[Role] = frozenset()
    groups: frozenset[str] = frozenset()  # corpGroup URNs the user is a member of
    token_id: str | None = None  # the API token the request came with, if any
    authenticated: bool = True
    permissions: frozenset[Permission] = field(init=False)

    def __post_init__(self) -> None:
        granted = frozenset().union(*(GRANTS[r] for r in self.roles))
        object.__setattr__(self, "permissions", granted)

    def can(self, permission: Permission) -> bool:
        return permission in self.permissions

    @property
    def is_admin(self) -> bool:
        return Role.ADMIN in self.roles

    def describe(self) -> str:
        roles = ", ".join(sorted(self.roles)) or "none"
        return f"{self.urn} (roles: {roles})"
