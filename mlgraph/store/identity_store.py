"""Accounts, role grants and API tokens (`accounts`, `role_grants`, `api_tokens`).

SQL only: hashing, expiry rules and who may do what live in `services/identity.py`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, insert, select, update

from mlgraph.store.engine import Engines
from mlgraph.store.schema import accounts, api_tokens, edges, role_grants

A = accounts.c
G = role_grants.c
T = api_tokens.c
MEMBER_OF = "IsMemberOfGroup"  # corpGroupInfo.members: group -> user


@dataclass(frozen=True, slots=True)
class AccountRow:
    urn: str
    password_hash: str | None
    disabled: bool
    created_at: int


@dataclass(frozen=True, slots=True)
class TokenRow:
    id: str
    owner_urn: str
    name: str
    created_at: int
    expires_at: int
    last_used_at: int | None
    revoked_at: int | None


def _token(r: Any) -> TokenRow:
    return TokenRow(
        r.id, r.owner_urn, r.name, r.created_at, r.expires_at, r.last_used_at, r.revoked_at
    )


class IdentityStore:
    def __init__(self, engines: Engines) -> None:
        self.engines = engines

    # accounts

    def account(self, urn: str) -> AccountRow | None:
        with self.engines.reading() as conn:
            r = conn.execute(select(accounts).where(A.urn == urn)).first()
        return AccountRow(r.urn, r.password_hash, r.disabled, r.created_at) if r else None

    def accounts(self) -> list[AccountRow]:
        with self.engines.reading() as conn:
            rows = conn.execute(select(accounts).order_by(A.urn)).all()
        return [AccountRow(r.urn, r.password_hash, r.disabled, r.created_at) for r in rows]

    def create_account(self, urn: str, password_hash: str | None, now: int) -> bool:
        """False if the account exists already."""
        with self.engines.writing() as conn:
            if conn.execute(select(A.urn).where(A.urn == urn)).first() is not None:
                return False
            conn.execute(
                insert(accounts).values(
                    urn=urn,
                    password_hash=password_hash,
                    disabled=False,
                    created_at=now,
                    updated_at=now,
                )
            )
        return True

    def update_account(
        self, urn: str, now: int, *, password_hash: str | None = None, disabled: bool | None = None
    ) -> bool:
        values: dict[str, object] = {"updated_at": now}
        if password_hash is not None:
            values["password_hash"] = password_hash
        if disabled is not None:
            values["disabled"] = disabled
        with self.engines.writing() as conn:
            return conn.execute(update(accounts).where(A.urn == urn).values(**values)).rowcount > 0

    # roles

    def groups_of(self, user: str) -> list[str]:
        with self.engines.reading() as conn:
            rows = conn.execute(
                select(edges.c.source_urn).where(
                    edges.c.target_urn == user, edges.c.rel == MEMBER_OF
                )
            )
            return sorted({r.source_urn for r in rows})

    def roles_of(self, principals: Sequence[str]) -> dict[str, set[str]]:
        out: dict[str, set[str]] = {}
        with self.engines.reading() as conn:
            rows = conn.execute(
                select(G.principal_urn, G.role).where(G.principal_urn.in_(list(principals)))
            )
            for r in rows:
                out.setdefault(r.principal_urn, set()).add(r.role)
        return out

    def set_roles(self, principal: str, roles: Iterable[str], by: str, now: int) -> None:
        with self.engines.writing() as conn:
            conn.execute(delete(role_grants).where(G.principal_urn == principal))
            rows = [
                {"principal_urn": principal, "role": r, "granted_at": now, "granted_by": by}
                for r in sorted(set(roles))
            ]
            if rows:
                conn.execute(insert(role_grants), rows)

    def grants(self) -> dict[str, set[str]]:
        with self.engines.reading() as conn:
            rows = conn.execute(select(G.principal_urn, G.role).order_by(G.principal_urn))
            out: dict[str, set[str]] = {}
            for r in rows:
                out.setdefault(r.principal_urn, set()).add(r.role)
        return out

    # tokens

    def add_token(self, row: TokenRow, secret_hash: str) -> None:
        with self.engines.writing() as conn:
            conn.execute(
                insert(api_tokens).values(
                    id=row.id,
                    owner_urn=row.owner_urn,
                    name=row.name,
                    secret_hash=secret_hash,
                    created_at=row.created_at,
                    expires_at=row.expires_at,
                )
            )

    def token_login(self, secret_hash: str) -> tuple[TokenRow, bool] | None:
        """The token with this hash, and whether its owner's account is active."""
        stmt = (
            select(api_tokens, A.disabled)
            .select_from(api_tokens.outerjoin(accounts, A.urn == T.owner_urn))
            .where(T.secret_hash == secret_hash)
        )
        with self.engines.reading() as conn:
            r = conn.execute(stmt).first()
        return (_token(r), r.disabled is False) if r else None

    def token(self, token_id: str) -> TokenRow | None:
        with self.engines.reading() as conn:
            r = conn.execute(select(api_tokens).where(T.id == token_id)).first()
        return _token(r) if r else None

    def tokens(self, owner: str | None = None) -> list[TokenRow]:
        stmt = select(api_tokens).order_by(T.created_at, T.id)
        if owner is not None:
            stmt = stmt.where(T.owner_urn == owner)
        with self.engines.reading() as conn:
            return [_token(r) for r in conn.execute(stmt)]

    def revoke_token(self, token_id: str, now: int) -> bool:
        with self.engines.writing() as conn:
            done = conn.execute(
                update(api_tokens)
                .where(T.id == token_id, T.revoked_at.is_(None))
                .values(revoked_at=now)
            )
            return done.rowcount > 0

    def mark_used(self, used: dict[str, int]) -> None:
        """Record each token's last use (written in batches, off the request path)."""
        if not used:
            return
        with self.engines.writing() as conn:
            for token_id, at in used.items():
                conn.execute(update(api_tokens).where(T.id == token_id).values(last_used_at=at))
