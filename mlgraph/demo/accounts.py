"""Loading the demo into a catalog with authentication on: the loader and the demo's
people (the requester and the approver of its moves into Production) get accounts
without passwords — nobody signs in as them until an admin sets one — and a token
each that lives only while the demo loads; the loader's admin role ends with it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from mlgraph.demo.vocabulary import APPROVER, REQUESTER
from mlgraph.services.identity import IdentityService

LOADER = "urn:li:corpuser:demo_loader"
ROLES = {LOADER: ["admin"], REQUESTER: ["editor"], APPROVER: ["approver"]}


@contextmanager
def demo_tokens(identity: IdentityService) -> Iterator[dict[str, str]]:
    """URN -> a token of that demo account, revoked when the block ends."""
    made = []
    try:
        for urn, roles in ROLES.items():
            if identity.store.account(urn) is None:
                identity.create_user(urn.rsplit(":", 1)[1], None, roles)
            made.append(identity.create_token(urn, "loading the demo", days=1))
        yield {m.token.owner_urn: m.secret for m in made}
    finally:
        for m in made:
            identity.revoke_token(m.token.id)
        # The loader administers nothing afterwards (nor stands in for the first admin).
        identity.set_roles(LOADER, [])
