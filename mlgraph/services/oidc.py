"""OpenID Connect sign-in: the authorization-code flow with PKCE against a team's
identity provider, for the web UI.

`begin` gives the provider's authorization URL and the `Attempt` (state, nonce, PKCE
verifier) the browser keeps until it comes back; `finish` exchanges the code (authlib's
OAuth 2 client), checks the ID token's signature against the provider's published keys,
its issuer, audience, expiry and nonce (joserfc), reads the user info, and hands the
user name and the roles their groups grant to `IdentityService.provisioned`
(`principal_for`). The
provider's answers are never trusted beyond what those checks prove.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from typing import Any

import httpx
from authlib.integrations.httpx_client import AsyncOAuth2Client
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from mlgraph.config import Settings
from mlgraph.errors import InvalidInput, MlgraphError, Unauthorized
from mlgraph.services.identity import IdentityService
from mlgraph.services.principal import Principal

DISCOVERY_TTL_S = 300.0  # the provider's metadata and keys are read again after this
TIMEOUT_S = 10.0


class ProviderUnavailable(MlgraphError):
    code = "identity_provider_unavailable"
    status = 502


@dataclass(frozen=True, slots=True)
class Attempt:
    """What the browser holds between leaving for the provider and coming back."""

    state: str
    nonce: str
    verifier: str

    def encode(self) -> str:
        return f"{self.state}.{self.nonce}.{self.verifier}"

    @classmethod
    def decode(cls, text: str) -> Attempt:
        parts = text.split(".")
        if len(parts) != 3 or not all(parts) or len(text) > 400:
            raise Unauthorized("the sign-in attempt is not valid: start again from /signin")
        return cls(*parts)


class OidcSignIn:
    def __init__(self, settings: Settings, identity: IdentityService) -> None:
        self.settings = settings
        self.identity = identity
        self._provider: tuple[dict[str, Any], KeySet, float] | None = None

    @property
    def enabled(self) -> bool:
        return bool(self.settings.oidc_issuer and self.settings.oidc_client_id)

    def _client(self, redirect_uri: str) -> AsyncOAuth2Client:
        s = self.settings
        return AsyncOAuth2Client(
            s.oidc_client_id,
            s.oidc_client_secret.get_secret_value() or None,
            scope=s.oidc_scopes,
            redirect_uri=redirect_uri,
            code_challenge_method="S256",
            timeout=TIMEOUT_S,
        )

    async def _metadata(self) -> tuple[dict[str, Any], KeySet]:
        held = self._provider
        if held is not None and held[2] > time.monotonic():
            return held[0], held[1]
        issuer = self.settings.oidc_issuer.rstrip("/")
        try:
            async with httpx.AsyncClient(timeout=TIMEOUT_S) as http:
                found = await http.get(f"{issuer}/.well-known/openid-configuration")
                found.raise_for_status()
                meta: dict[str, Any] = found.json()
                keys = await http.get(meta["jwks_uri"])
                keys.raise_for_status()
                keyset = KeySet.import_key_set(keys.json())
        except (httpx.HTTPError, ValueError, KeyError, JoseError) as exc:
            raise ProviderUnavailable(
                f"the identity provider at {issuer} did not answer its discovery document "
                f"and keys ({type(exc).__name__}); check MLGRAPH_OIDC_ISSUER"
            ) from None
        if meta.get("issuer", "").rstrip("/") != issuer:
            raise ProviderUnavailable(
                f"the provider names its issuer {meta.get('issuer')!r}, not {issuer!r}"
            )
        self._provider = (meta, keyset, time.monotonic() + DISCOVERY_TTL_S)
        return meta, keyset

    async def begin(self, redirect_uri: str) -> tuple[str, Attempt]:
        """The provider's sign-in URL for a browser that comes back to `redirect_uri`."""
        meta, _ = await self._metadata()
        attempt = Attempt(
            secrets.token_urlsafe(24), secrets.token_urlsafe(24), secrets.token_urlsafe(48)
        )
        async with self._client(redirect_uri) as client:
            url, _ = client.create_authorization_url(
                meta["authorization_endpoint"],
                state=attempt.state,
                nonce=attempt.nonce,
                code_verifier=attempt.verifier,
            )
        return url, attempt

    async def finish(
        self, redirect_uri: str, attempt: Attempt, state: str, code: str
    ) -> dict[str, Any]:
        """The verified claims of the provider's answer (`state`, `code`): the ID
        token's, with the user info's."""
        if not secrets.compare_digest(state.encode(), attempt.state.encode()):
            raise Unauthorized("the sign-in answer does not match this browser's attempt")
        if not code or len(code) > 2048:
            raise InvalidInput("the identity provider sent no authorization code")
        meta, keyset = await self._metadata()
        try:
            async with self._client(redirect_uri) as client:
                token = await client.fetch_token(
                    meta["token_endpoint"], code=code, code_verifier=attempt.verifier
                )
                info = {}
                if meta.get("userinfo_endpoint") and token.get("access_token"):
                    answer = await client.get(meta["userinfo_endpoint"])
                    answer.raise_for_status()
                    info = answer.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise Unauthorized(
                f"the identity provider refused the sign-in ({type(exc).__name__}: "
                f"{str(exc)[:200]}); start again from /signin"
            ) from None
        claims = self._id_claims(token.get("id_token"), keyset, attempt.nonce)
        if info and info.get("sub") != claims["sub"]:
            raise Unauthorized("the provider's user info is about another user than its ID token")
        return {**claims, **info}

    def _id_claims(self, id_token: Any, keyset: KeySet, nonce: str) -> dict[str, Any]:
        s = self.settings
        if not isinstance(id_token, str):
            raise Unauthorized("the identity provider sent no ID token")
        try:
            decoded = jwt.decode(id_token, keyset)
            jwt.JWTClaimsRegistry(
                leeway=60,
                iss={"essential": True, "value": s.oidc_issuer.rstrip("/")},
                aud={"essential": True, "value": s.oidc_client_id},
                sub={"essential": True},
                exp={"essential": True},
                nonce={"essential": True, "value": nonce},
            ).validate(decoded.claims)
        except (JoseError, ValueError) as exc:
            raise Unauthorized(
                f"the ID token did not verify ({type(exc).__name__}: {str(exc)[:200]})"
            ) from None
        return dict(decoded.claims)

    def principal_for(self, claims: dict[str, Any]) -> Principal:
        """The user `claims` (from `finish`) name, with the roles their groups grant."""
        s = self.settings
        name = claims.get(s.oidc_username_claim) or claims.get("sub")
        if not isinstance(name, str):
            raise Unauthorized(f"the provider sent no {s.oidc_username_claim!r} claim")
        groups = claims.get(s.oidc_groups_claim) or []
        if isinstance(groups, str):
            groups = [groups]
        granted = {s.oidc_roles[g] for g in groups if isinstance(g, str) and g in s.oidc_roles}
        roles = granted or set(s.oidc_default_roles)
        display = claims.get("name") if isinstance(claims.get("name"), str) else None
        return self.identity.provisioned(name, roles, display, "oidc")
