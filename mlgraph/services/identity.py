"""Identity: local accounts, API tokens, roles, and turning credentials into a
`Principal`.

Every door hands the credentials of a request to `IdentityService.authenticate` (through
`mlgraph.api.caller`, the one place that reads them off HTTP); nothing else checks a
password or a token. Passwords are hashed with argon2id (`argon2-cffi`); a token is
256 random bits behind a recognisable prefix, stored as its SHA-256 only, shown once.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from mlgraph.config import Settings
from mlgraph.errors import Conflict, Forbidden, InvalidInput, NotFound, Unauthorized
from mlgraph.model.urn import user_urn
from mlgraph.services.access import require
from mlgraph.services.audit import AuditKind, AuditLog
from mlgraph.services.principal import Permission, Principal, Role
from mlgraph.services.proposals import Door, Op, Proposal, WriteContext
from mlgraph.services.writes import WriteService, now_ms
from mlgraph.store.identity_store import IdentityStore, TokenRow

SYSTEM = "urn:li:corpuser:__system"  # the actor of `mlgraph users`, on the database itself
TOKEN_PREFIX = "mlgp_"  # so that secret scanners can find a leaked one
_TOKEN = re.compile(r"mlgp_[A-Za-z0-9_-]{43}")
_USERNAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@+-]{0,127}")
MIN_PASSWORD = 12
MAX_PASSWORD = 1024
DAY_MS = 86_400_000
_LAST_USED_EVERY_MS = 30_000  # a token's last use is written at most this often
ROLES_TTL_S = 5.0  # how long a process trusts the groups and roles it read
SESSION_NAME = "web session"  # the name of the tokens behind UI sign-ins


def check_username(name: str) -> str:
    if not _USERNAME.fullmatch(name):
        raise InvalidInput(
            f"invalid user name {name!r}: use 1-128 letters, digits and . _ @ + -, "
            "starting with a letter or digit"
        )
    return name


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(f"a password needs at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise InvalidInput(f"a password has at most {MAX_PASSWORD} characters")
    return password


def roles_of(names: Iterable[str]) -> frozenset[Role]:
    out = set()
    for name in names:
        try:
            out.add(Role(name))
        except ValueError:
            known = ", ".join(r.value for r in Role)
            raise InvalidInput(f"unknown role {name!r}: the roles are {known}") from None
    return frozenset(out)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class SlowCheck(Exception):
    """Checking these credentials needs argon2: do it off the event loop."""


@dataclass(frozen=True, slots=True)
class NewToken:
    """A token as its creator sees it, once: `secret` is never shown again."""

    token: TokenRow
    secret: str


class IdentityService:
    def __init__(
        self,
        store: IdentityStore,
        writes: WriteService,
        settings: Settings,
        audit: AuditLog | None = None,
    ) -> None:
        self.store = store
        self.writes = writes
        self.settings = settings
        self.audit = audit
        self._hasher = PasswordHasher()
        # Passwords checked recently, so that basic auth on every request (the mlflow
        # client's way) pays argon2 once: keyed by an HMAC of user and password under a
        # key of this process, holding the hash they matched (a changed one misses).
        self._pepper = secrets.token_bytes(32)
        self._verified: dict[bytes, str] = {}
        self._used: dict[str, tuple[str, int]] = {}  # token id -> (owner, last use)
        self._flushed = now_ms()
        self._roles: dict[str, tuple[frozenset[Role], frozenset[str], float, int]] = {}
        self._generation = 0
        self._setup: bytes | None = None  # the hash of the one-time setup code
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self.settings.auth == "on"

    def _event(
        self,
        kind: AuditKind,
        by: Principal | None,
        urn: str | None = None,
        detail: dict[str, Any] | None = None,
        *,
        door: Door = Door.REST,
        address: str | None = None,
    ) -> None:
        if self.audit is not None:
            actor = by.urn if by else SYSTEM
            ctx = WriteContext(actor=actor, door=door, principal=by, address=address)
            self.audit.record(kind, ctx, now_ms(), urn=urn, detail=detail)

    def _require(self, by: Principal | None, permission: Permission, why: str) -> None:
        """`access.require`, with the refusal in the audit log."""
        try:
            require(by, permission, why)
        except (Forbidden, Unauthorized) as exc:
            if self.audit is not None and by is not None:
                ctx = WriteContext(actor=by.urn, door=Door.REST, principal=by)
                self.audit.denied(ctx, exc, now_ms())
            raise

    def sign_in_failed(self, who: str, why: str, door: Door, address: str | None) -> None:
        """A refused credential: recorded with what was tried (never the secret)."""
        if self.audit is not None:
            ctx = WriteContext(actor=who, door=door, address=address)
            self.audit.record(AuditKind.SIGN_IN_FAILED, ctx, now_ms(), detail={"reason": why})

    # web sessions: a short-lived token whose secret is the UI's cookie

    def open_session(self, who: Principal, how: str, address: str | None) -> NewToken:
        """A sign-in to the web UI by `who` (already authenticated, `how`: "password",
        "oidc", "setup"): a token named `SESSION_NAME` living `session_hours`."""
        now = now_ms()
        made = self._new_token(
            who.urn, SESSION_NAME, now, now + self.settings.session_hours * 3_600_000
        )
        self._event(
            AuditKind.SIGN_IN,
            who,
            who.urn,
            {"method": how, "token": made.token.id},
            door=Door.UI,
            address=address,
        )
        return made

    def close_session(self, who: Principal, address: str | None) -> None:
        """Sign-out: the session's token is revoked, so its cookie is refused from now
        on (a copy of it included)."""
        if who.token_id is not None:
            self.store.revoke_token(who.token_id, now_ms())
        self._event(
            AuditKind.SIGN_OUT,
            who,
            who.urn,
            {"token": who.token_id},
            door=Door.UI,
            address=address,
        )

    # the first admin, through a one-time link printed at start

    def needs_setup(self) -> bool:
        """Authentication is on and nobody can administer the catalog yet."""
        return self.enabled and not any("admin" in roles for roles in self.store.grants().values())

    def setup_code(self) -> str:
        """A new one-time code for `/setup` (the previous one stops working). Only its
        hash is kept, in this process's memory: a restart prints a new link."""
        code = secrets.token_urlsafe(24)
        with self._lock:
            self._setup = hashlib.sha256(code.encode()).digest()
        return code

    def complete_setup(self, code: str, username: str, password: str) -> Principal:
        """Create the first admin with the one-time `code`, which is then spent."""
        given = hashlib.sha256(code.encode()).digest()
        with self._lock:
            held, self._setup = self._setup, None
        if held is None or not hmac.compare_digest(held, given):
            with self._lock:
                self._setup = self._setup or held  # a wrong guess does not spend it
            raise Forbidden(
                "this setup link is not valid (used already, or from an earlier start): "
                "restart mlgraph for a new one, or run `mlgraph users create-admin NAME`",
                details={"permission": "setup"},
            )
        if not self.needs_setup():
            raise Forbidden("the catalog has an admin already", details={"permission": "setup"})
        try:
            urn = self.create_user(username, password, ["admin"])
        except Exception:
            with self._lock:
                self._setup = held  # a bad name or password: the link still works
            raise
        return self.principal(urn)

    # who is calling

    def anonymous(self) -> Principal:
        roles = frozenset({Role.VIEWER}) if self.settings.anonymous_reads else frozenset()
        return Principal(self.settings.default_actor, roles, authenticated=False)

    def principal(self, urn: str, token_id: str | None = None) -> Principal:
        """`urn` with its groups and roles. They are remembered for a few seconds: a
        change made in this process shows at once, one made in another within
        `ROLES_TTL_S` (a revoked token or a disabled account is refused at once)."""
        now = time.monotonic()
        held = self._roles.get(urn)
        if held is None or held[2] <= now or held[3] != self._generation:
            groups = frozenset(self.store.groups_of(urn))
            grants = self.store.roles_of([urn, *groups])
            roles = roles_of(r for got in grants.values() for r in got)
            held = (roles, groups, now + ROLES_TTL_S, self._generation)
            with self._lock:
                if len(self._roles) > 4096:
                    self._roles.clear()
                self._roles[urn] = held
        return Principal(urn, held[0], held[1], token_id)

    def _changed(self) -> None:
        """Roles, groups or accounts changed: what this process remembers is stale."""
        with self._lock:
            self._generation += 1

    def by_token(self, token: str) -> Principal:
        if not _TOKEN.fullmatch(token):
            raise Unauthorized(
                f"the bearer token is not an mlgraph token (they start with {TOKEN_PREFIX!r} "
                "and have 48 characters); create one with `mlgraph tokens create`"
            )
        found = self.store.token_login(token_hash(token))
        now = now_ms()
        if found is None:
            raise Unauthorized("the token is not known to this catalog")
        row, active = found
        if row.revoked_at is not None:
            raise Unauthorized(f"the token {row.id} was revoked; create a new one")
        if row.expires_at <= now:
            raise Unauthorized(f"the token {row.id} has expired; create a new one")
        if not active:
            raise Unauthorized(f"the account of token {row.id} is disabled")
        self._touch(row.id, row.owner_urn, now)
        return self.principal(row.owner_urn, row.id)

    def by_password(self, username: str, password: str, *, slow: bool = True) -> Principal:
        """`slow=False`: raise `SlowCheck` rather than run argon2 (a password this
        process has not checked yet), so the caller can move to a worker thread."""
        if password.startswith(TOKEN_PREFIX):
            found = self.by_token(password)
            if username and found.urn != user_urn(username):
                raise Unauthorized("the token given as the password belongs to another user")
            return found
        failed = Unauthorized("wrong user name or password")
        if not _USERNAME.fullmatch(username) or len(password) > MAX_PASSWORD:
            raise failed
        urn = user_urn(username)
        account = self.store.account(urn)
        if account is None or account.password_hash is None or account.disabled:
            if not slow:
                raise SlowCheck
            self._hasher.hash("a wasted hash, so a missing user takes as long")
            raise failed
        key = hmac.new(self._pepper, f"{username}\0{password}".encode(), "sha256").digest()
        if self._verified.get(key) != account.password_hash:
            if not slow:
                raise SlowCheck
            try:
                self._hasher.verify(account.password_hash, password)
            except (VerificationError, InvalidHashError):
                raise failed from None
            with self._lock:
                if len(self._verified) > 4096:
                    self._verified.clear()
                self._verified[key] = account.password_hash
        return self.principal(urn)

    def _touch(self, token_id: str, owner: str, now: int) -> None:
        with self._lock:
            self._used[token_id] = (owner, now)
            due = now - self._flushed >= _LAST_USED_EVERY_MS
            if due:
                self._flushed = now
        if due:
            threading.Thread(target=self.flush, name="mlgraph-token-use", daemon=True).start()

    def flush(self) -> None:
        """Write the tokens' last uses noted since the last flush."""
        with self._lock:
            used, self._used = self._used, {}
        self.store.mark_used({tid: at for tid, (_, at) in used.items()})
        if self.audit is not None and used:
            from mlgraph.store.audit_store import AuditEntry

            self.audit.store.append(
                [
                    AuditEntry(
                        at=at,
                        kind=str(AuditKind.TOKEN_USED),
                        actor=owner,
                        token_id=tid,
                        detail={"last_used_at": at},
                    )
                    for tid, (owner, at) in sorted(used.items())
                ]
            )

    # accounts

    def create_user(
        self,
        username: str,
        password: str | None,
        roles: Iterable[str] = ("viewer",),
        *,
        by: Principal | None = None,
        display_name: str | None = None,
    ) -> str:
        """A local account, its roles, and the `corpuser` entity it signs in as. `by`:
        who asks (None: the machine's own administrator, e.g. `mlgraph users`)."""
        self._require(by, Permission.MANAGE_USERS, "only admins create users")
        check_username(username)
        granted = roles_of(roles)
        hashed = self._hasher.hash(check_password(password)) if password is not None else None
        urn = user_urn(username)
        now = now_ms()
        if not self.store.create_account(urn, hashed, now):
            raise Conflict(f"the user {username!r} exists already")
        self.store.set_roles(urn, granted, by.urn if by else SYSTEM, now)
        self._changed()
        self._event(AuditKind.USER_CREATED, by, urn, {"roles": sorted(granted)})
        info: dict[str, Any] = {"active": True, "displayName": display_name or username}
        self.writes.apply(
            [Proposal(Op.UPSERT, urn, "corpUserInfo", info)],
            WriteContext(actor=by.urn if by else SYSTEM),
        )
        return urn

    def provisioned(
        self, username: str, roles: Iterable[str], display_name: str | None, source: str
    ) -> Principal:
        """A user an identity provider vouched for (`source`, e.g. "oidc"): their account
        is made at the first sign-in (without a password) and their roles set to what the
        provider's groups grant, every time. A local account with a password is not
        taken over by a namesake from the provider."""
        check_username(username)
        granted = roles_of(roles)
        urn = user_urn(username)
        now = now_ms()
        account = self.store.account(urn)
        if account is not None and account.password_hash is not None:
            raise Forbidden(
                f"{username!r} is a local account of this catalog: sign in with its password "
                f"(an admin can remove the password to let {source} sign it in)",
                details={"permission": "sign_in"},
            )
        if account is not None and account.disabled:
            raise Forbidden(
                f"the account {username!r} is disabled", details={"permission": "sign_in"}
            )
        if account is None and self.store.create_account(urn, None, now):
            self._event(
                AuditKind.USER_CREATED, None, urn, {"source": source, "roles": sorted(granted)}
            )
            info: dict[str, Any] = {"active": True, "displayName": display_name or username}
            self.writes.apply(
                [Proposal(Op.UPSERT, urn, "corpUserInfo", info)], WriteContext(actor=SYSTEM)
            )
        held = frozenset(self.store.roles_of([urn]).get(urn, ()))
        if held != {str(r) for r in granted}:
            self.store.set_roles(urn, granted, SYSTEM, now)
            self._event(
                AuditKind.ROLES_CHANGED, None, urn, {"source": source, "roles": sorted(granted)}
            )
        self._changed()
        return self.principal(urn)

    def set_password(self, urn: str, password: str, *, by: Principal | None = None) -> None:
        if by is not None and by.urn != urn:
            self._require(by, Permission.MANAGE_USERS, "only admins set another user's password")
        hashed = self._hasher.hash(check_password(password))
        if not self.store.update_account(urn, now_ms(), password_hash=hashed):
            raise NotFound(f"no account {urn}")
        self._changed()
        self._event(AuditKind.USER_CHANGED, by, urn, {"password": "set"})

    def set_disabled(self, urn: str, disabled: bool, *, by: Principal | None = None) -> None:
        self._require(by, Permission.MANAGE_USERS, "only admins disable users")
        if not self.store.update_account(urn, now_ms(), disabled=disabled):
            raise NotFound(f"no account {urn}")
        self._changed()
        self._event(AuditKind.USER_CHANGED, by, urn, {"disabled": disabled})

    def set_roles(
        self, principal: str, roles: Iterable[str], *, by: Principal | None = None
    ) -> None:
        """Grant exactly `roles` to a user or a group."""
        self._require(by, Permission.MANAGE_USERS, "only admins grant roles")
        if not principal.startswith(("urn:li:corpuser:", "urn:li:corpGroup:")):
            raise InvalidInput(f"roles go to users and groups, not to {principal}")
        granted = roles_of(roles)
        self.store.set_roles(principal, granted, by.urn if by else SYSTEM, now_ms())
        self._changed()
        self._event(AuditKind.ROLES_CHANGED, by, principal, {"roles": sorted(granted)})

    def users(self, *, by: Principal | None = None) -> list[dict[str, Any]]:
        self._require(by, Permission.MANAGE_USERS, "only admins list users")
        grants = self.store.grants()
        return [
            {
                "urn": a.urn,
                "roles": sorted(grants.get(a.urn, ())),
                "disabled": a.disabled,
                "has_password": a.password_hash is not None,
                "created_at": a.created_at,
            }
            for a in self.store.accounts()
        ]

    # tokens

    def create_token(
        self, owner: str, name: str, *, days: int | None = None, by: Principal | None = None
    ) -> NewToken:
        if by is not None and by.urn != owner:
            self._require(by, Permission.MANAGE_TOKENS, "only admins create tokens for others")
        if not name.strip() or len(name) > 200:
            raise InvalidInput("a token needs a name of 1-200 characters (what it is for)")
        days = self.settings.token_default_days if days is None else days
        if not 1 <= days <= self.settings.token_max_days:
            raise InvalidInput(
                f"a token lives 1 to {self.settings.token_max_days} days, not {days}"
            )
        now = now_ms()
        made = self._new_token(owner, name.strip(), now, now + days * DAY_MS)
        row = made.token
        self._event(
            AuditKind.TOKEN_CREATED,
            by,
            owner,
            {"token": row.id, "name": row.name, "expires_at": row.expires_at},
        )
        return made

    def _new_token(self, owner: str, name: str, now: int, expires_at: int) -> NewToken:
        account = self.store.account(owner)
        if account is None or account.disabled:
            raise NotFound(f"no active account {owner}")
        secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
        row = TokenRow(secrets.token_hex(8), owner, name, now, expires_at, None, None)
        self.store.add_token(row, token_hash(secret))
        return NewToken(row, secret)

    def tokens(self, owner: str | None, *, by: Principal | None = None) -> list[TokenRow]:
        """`owner`'s tokens, or everybody's (None, admins only), with their last use."""
        if by is not None and owner != by.urn:
            self._require(by, Permission.MANAGE_TOKENS, "only admins list others' tokens")
        self.flush()
        return self.store.tokens(owner)

    def revoke_token(self, token_id: str, *, by: Principal | None = None) -> TokenRow:
        row = self.store.token(token_id)
        if row is None or (by is not None and row.owner_urn != by.urn and not by.is_admin):
            raise NotFound(f"no token {token_id}")
        if not self.store.revoke_token(token_id, now_ms()) and row.revoked_at is None:
            raise NotFound(f"no token {token_id}")
        found = self.store.token(token_id)
        assert found is not None
        self._event(AuditKind.TOKEN_REVOKED, by, found.owner_urn, {"token": token_id})
        return found
