"""Seeding the demo: idempotent, keyed by natural keys (emails, slugs, publisher/slug), so running
it twice adds nothing twice."""

from __future__ import annotations

from datetime import timedelta

from werkzeug.security import generate_password_hash

from ..extensions import db
from ..models import (
    Credential,
    HandleGrant,
    Installation,
    InstallationMember,
    InstallRequest,
    Integration,
    IntegrationVersion,
    Invitation,
    Membership,
    PublisherNamespace,
    ReservedHandle,
    User,
    Workspace,
    WorkspacePolicy,
)
from ..models.base import utcnow
from ..services import audit, crypto, namespace_admin, publishing
from ..services.installs.confirming import count_install
from ..services.namespaces import handle_limit
from . import listing_extras, shapes
from .catalog import CATALOG, DEPENDENCIES, YANKED
from .media import seed_media, seed_profiles
from .people import (
    ACCOUNTS,
    DEMO_PASSWORD,
    HANDLE_GRANTS,
    HANDLE_LIMITS,
    INSTALLATIONS,
    RESERVED_HANDLES,
    WORKSPACE_OF,
    WORKSPACES,
)
from .ratings import seed_ratings
from .trust import seed_trust_cases
from .webhooks import seed_webhooks


def _get_or_create(model, defaults: dict | None = None, **keys):
    obj = db.session.scalar(db.select(model).filter_by(**keys))
    if obj is None:
        obj = model(**keys, **(defaults or {}))
        db.session.add(obj)
        db.session.flush()
    return obj


def _seed_people() -> tuple[dict[str, User], dict[str, Workspace]]:
    users, password_hash = {}, None
    for email, name, staff in ACCOUNTS:
        user = db.session.scalar(db.select(User).where(User.email == email))
        if user is None:
            # One salted hash serves every demo account (their password is public anyway): seeding stays quick.
            password_hash = password_hash or generate_password_hash(DEMO_PASSWORD)
            user = User(
                email=email,
                display_name=name,
                is_staff=staff,
                password_hash=password_hash,
                email_verified_at=utcnow(),  # demo accounts are verified
            )
            db.session.add(user)
            db.session.flush()
        users[email] = user
    workspaces = {}
    for slug, name, members, _ in WORKSPACES:
        workspace = _get_or_create(Workspace, {"name": name}, slug=slug)
        workspaces[slug] = workspace
        for email, role in members:
            _get_or_create(Membership, {"role": role}, workspace_id=workspace.id, user_id=users[email].id)
    _seed_handle_rules(next(u for u in users.values() if u.is_staff), workspaces)
    for slug, _, members, handles in WORKSPACES:
        workspace = workspaces[slug]
        for handle in handles:
            _get_or_create(
                PublisherNamespace,
                {"workspace_id": workspace.id, "claimed_by": users[members[0][0]].id},
                handle=handle,
            )
    _seed_invitation(workspaces["acme"], users["alice@acme.test"])
    return users, workspaces


def _seed_handle_rules(staff: User, workspaces: dict[str, Workspace]) -> None:
    """What staff did so the demo's brand handles may be held: grants, a raised limit, and one
    handle kept back. Through the staff services, so the audit log shows them."""
    for handle, reason in RESERVED_HANDLES:
        if db.session.get(ReservedHandle, handle) is None:
            namespace_admin.reserve(staff, handle, reason)
    for handle, ws_slug, reason in HANDLE_GRANTS:
        if db.session.scalar(db.select(HandleGrant.id).where(HandleGrant.handle == handle)) is None:
            namespace_admin.grant(staff, ws_slug, handle, reason)
    for ws_slug, limit, reason in HANDLE_LIMITS:
        if handle_limit(workspaces[ws_slug]) < limit:
            namespace_admin.set_handle_limit(staff, ws_slug, limit, reason)


def _seed_invitation(workspace: Workspace, inviter: User) -> None:
    """One pending invitation to show on Acme's members page (its link was never mailed)."""
    from ..services.account_links import LIFETIMES, new_token

    defaults = {
        "role": "member",
        "invited_by": inviter.id,
        "token_hash": new_token()[1],
        "expires_at": utcnow() + LIFETIMES["invitation"],
    }
    _get_or_create(Invitation, defaults, workspace_id=workspace.id, email="new.hire@acme.test")


def _visibility(state: str) -> str:
    return {"public": "public", "deleted": "public", "unlisted": "unlisted"}.get(state, "private")


def _seed_integration(index: int, entry: tuple, workspace: Workspace, owner: User, now) -> None:
    publisher, slug, name, tier, auth, scopes, variables, versions, state, description = entry
    schema, defaults = shapes.variables(variables)
    manifest = shapes.manifest(
        [
            ("main", "workflow", f"{name} workflow", False),
            ("template", "template", f"{name} starter template", True),
        ],
        defaults,
        DEPENDENCIES.get((publisher, slug), []),
    )
    started = now - timedelta(days=200 - index * 4)
    integration = Integration(
        workspace_id=workspace.id,
        slug=slug,
        name=name,
        description=description,
        icon_url=None,
        publisher=publisher,
        trust_tier=tier,
        manifest=manifest,
        variables_schema=schema,
        auth_config=shapes.auth_config(auth, scopes),
        visibility=_visibility(state),
        created_by=owner.id,
        retention_tier="medium" if state == "deleted" else None,
        created_at=started,
        updated_at=started,
        install_count=0,
    )
    listing_extras.apply(
        integration
    )  # categories, links, what an API key reaches (before the versions copy it)
    if auth == "oauth2":  # the bundled demo provider's client secret, encrypted like any publisher's
        integration.oauth_client_secret_encrypted = crypto.encrypt_json(shapes.DEMO_OAUTH_CLIENT_SECRET)
    db.session.add(integration)
    db.session.flush()
    for n, version in enumerate(versions):
        published = started + timedelta(days=10 * (n + 1))
        yank_reason = YANKED.get((publisher, slug, version))
        db.session.add(
            IntegrationVersion(
                integration_id=integration.id,
                version=version,
                manifest=manifest,
                variables_schema=schema,
                auth_config=integration.auth_config,
                published_by=owner.id,
                published_at=published,
                # The page already heads each changelog with its version number.
                changelog="Initial release."
                if n == 0
                else f"- Faster sync\n- Fixed an edge case in {name.lower()}",
                yanked_at=published + timedelta(days=3) if yank_reason else None,
                yank_reason=yank_reason,
            )
        )
        if not yank_reason:
            integration.current_version = version
        integration.last_published_at = published
        integration.updated_at = published
    if state == "deleted":
        integration.deleted_at = now - timedelta(days=2)


def _integration(key: str) -> Integration:
    publisher, slug = key.split("/")
    return db.session.scalar(
        db.select(Integration).where(Integration.publisher == publisher, Integration.slug == slug)
    )


def _seed_installations(users: dict[str, User], workspaces: dict[str, Workspace], now) -> int:
    created = 0
    for index, (ws_slug, key, pinned, installer, api_key) in enumerate(INSTALLATIONS):
        integration, workspace = _integration(key), workspaces[ws_slug]
        if db.session.scalar(
            db.select(Installation.id).where(
                Installation.workspace_id == workspace.id, Installation.integration_id == integration.id
            )
        ):
            continue
        version = next(
            v for v in integration.versions if v.version == (pinned or integration.current_version)
        )
        installation = Installation(
            workspace_id=workspace.id,
            integration_id=integration.id,
            version_id=version.id,
            variables=dict(version.manifest.get("defaults") or {}),
            granted_scopes=[],
            status="active",
            installed_by=users[installer].id,
            installed_at=now - timedelta(days=30 - index),
        )
        for member in version.manifest["members"]:
            fork = bool(member.get("forkOnInstall"))
            installation.members.append(
                InstallationMember(
                    member_key=member["key"],
                    kind=member["kind"],
                    name=member["name"],
                    mode="fork" if fork else "linked",
                    definition=dict(member) if fork else None,
                )
            )
        if api_key:
            installation.credential = Credential(
                kind="api_key", secret_encrypted=crypto.encrypt_json({"kind": "api_key", "api_key": api_key})
            )
        db.session.add(installation)
        db.session.flush()
        count_install(integration, +1)  # distinct installing accounts outside the publisher's workspace
        audit.record(
            users[installer],
            "installation.created",
            installation,
            object_label=key,
            after={"version": version.version, "variables": installation.variables},
            version=version.version,
        )
        created += 1
    return created


# A verified listing's update that asks for one more scope: it waits in /admin/reviews.
PENDING_REVIEW = (
    "zendesk/tickets",
    "2.2.0",
    "users:read",
    "- Looks up ticket requesters (needs `users:read`).",
)


def _seed_pending_review(publisher: User) -> None:
    """Published through the real service, so the review rule, the checks and the audit log apply."""
    key, version, scope, changelog = PENDING_REVIEW
    integration = _integration(key)
    if integration is None or any(v.version == version for v in integration.versions):
        return
    scopes = list(integration.auth_config.get("scopes") or [])
    integration.auth_config = {**integration.auth_config, "scopes": [*scopes, scope]}
    publishing.publish(publisher, integration, version, changelog)


# Acme's admins keep unreviewed listings and one publisher out (what is installed stays); Carol, a
# plain member there, waits for an answer to her request. Initech, where Dave installs, has no policy.
DEMO_POLICY = ("acme", "verified_publisher", ["tinkerers"])
DEMO_REQUEST = (
    "acme",
    "stripe/payments",
    "carol@acme.test",
    "Finance wants card payments in our order flow.",
)


def _seed_policy_and_request(users: dict[str, User], workspaces: dict[str, Workspace]) -> None:
    ws_slug, min_tier, blocked = DEMO_POLICY
    workspace = workspaces[ws_slug]
    if db.session.get(WorkspacePolicy, workspace.id) is None:
        db.session.add(
            WorkspacePolicy(
                workspace_id=workspace.id,
                min_trust_tier=min_tier,
                block_list=blocked,
                allow_list=[],
                members_may_request=True,
            )
        )
    ws_slug, key, requester, note = DEMO_REQUEST
    integration, workspace = _integration(key), workspaces[ws_slug]
    asked = db.session.scalar(
        db.select(InstallRequest.id).where(
            InstallRequest.workspace_id == workspace.id, InstallRequest.integration_id == integration.id
        )
    )
    if integration is not None and asked is None:
        request = InstallRequest(
            workspace_id=workspace.id,
            integration_id=integration.id,
            requested_by=users[requester].id,
            note=note,
            status="open",
        )
        db.session.add(request)
        db.session.flush()
        audit.record(
            users[requester],
            "install_request.created",
            request,
            object_label=f"{key} in {workspace.name}",
            after={"integration": key, "note": note, "status": "open"},
        )


def seed() -> str:
    users, workspaces = _seed_people()
    owners = {slug: users[members[0][0]] for slug, _, members, _ in WORKSPACES}
    now = utcnow()
    created = 0
    for index, entry in enumerate(CATALOG):
        publisher, slug = entry[0], entry[1]
        if db.session.scalar(
            db.select(Integration.id).where(Integration.publisher == publisher, Integration.slug == slug)
        ):
            continue
        ws_slug = WORKSPACE_OF[publisher]
        _seed_integration(index, entry, workspaces[ws_slug], owners[ws_slug], now)
        created += 1
    db.session.flush()
    installed = _seed_installations(users, workspaces, now)
    reviewed = seed_ratings(users)
    _seed_pending_review(users["vera@vendors.test"])
    _seed_policy_and_request(users, workspaces)
    seed_trust_cases()
    with_media = seed_media()
    seed_profiles(users["staff@demo.test"].id)
    seed_webhooks(users["alice@acme.test"].id)
    db.session.flush()
    return (
        f"{len(users)} accounts, {len(workspaces)} workspaces, {created} new integrations, "
        f"{installed} new installations, {reviewed} new reviews, "
        f"{with_media} listings with new icons or screenshots"
    )


def print_accounts(echo) -> None:
    echo(f"Demo accounts (password for all: {DEMO_PASSWORD}):")
    for email, name, staff in ACCOUNTS:
        echo(f"  {email:<22} {name}{'  [staff]' if staff else ''}")
