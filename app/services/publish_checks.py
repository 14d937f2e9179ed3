"""Gathers what the automated publish checks (domain/checks.py) read from the database, and runs them.

A constant number of queries whatever the catalog's size, except MP004's comparison of names, which
reads the names and handles of other publishers' listings (one query each)."""

from __future__ import annotations

from flask import current_app

from ..domain import checks, review
from ..domain.visibility import PUBLIC
from ..extensions import db
from ..models import Installation, Integration, IntegrationVersion, PublisherNamespace
from ..models.install import LIVE_STATUSES


def previous_documents(version: IntegrationVersion | None) -> dict | None:
    if version is None:
        return None
    return {
        "manifest": version.manifest or {},
        "variablesSchema": version.variables_schema or {},
        "authConfig": version.auth_config or {},
    }


def _other_listings(integration: Integration) -> list[checks.Listing]:
    """Other workspaces' public listings only: a finding names the look-alike, so nothing private may be one."""
    rows = db.session.execute(
        db.select(Integration.publisher, Integration.name).where(
            Integration.workspace_id != integration.workspace_id,
            Integration.deleted_at.is_(None),
            Integration.current_version.is_not(None),
            Integration.visibility == PUBLIC,
        )
    )
    return [checks.Listing(publisher, name) for publisher, name in rows]


def _other_handles(integration: Integration) -> list[str]:
    return list(
        db.session.scalars(
            db.select(PublisherNamespace.handle).where(
                PublisherNamespace.workspace_id != integration.workspace_id
            )
        )
    )


def _dependencies(manifest: dict) -> list[checks.Dependency]:
    keys = [
        d["integration"]
        for d in (manifest.get("dependencies") or [])
        if isinstance(d, dict) and isinstance(d.get("integration"), str) and d["integration"].count("/") == 1
    ]
    if not keys:
        return []
    pairs = [tuple(key.split("/", 1)) for key in keys]
    tiers = {
        f"{publisher}/{slug}": tier
        for publisher, slug, tier in db.session.execute(
            db.select(Integration.publisher, Integration.slug, Integration.trust_tier).where(
                db.tuple_(Integration.publisher, Integration.slug).in_(pairs)
            )
        )
    }
    return [checks.Dependency(key, tiers[key]) for key in keys if key in tiers]


def _variables_in_use(integration: Integration) -> frozenset[str]:
    """Names of the variables that at least one live installation has a value for."""
    rows = db.session.scalars(
        db.select(Installation.variables).where(
            Installation.integration_id == integration.id, Installation.status.in_(LIVE_STATUSES)
        )
    )
    return frozenset(
        key
        for values in rows
        if isinstance(values, dict)
        for key, value in values.items()
        if value is not None
    )


def context_for(
    integration: Integration,
    version: str,
    documents: dict,
    current: IntegrationVersion | None,
    *,
    name: str | None = None,
) -> checks.PublishContext:
    manifest = documents.get("manifest") if isinstance(documents.get("manifest"), dict) else {}
    return checks.PublishContext(
        version=version,
        previous_version=current.version if current is not None else None,
        previous_documents=previous_documents(current),
        documents=documents,
        trust_tier=integration.trust_tier,
        production=bool(current_app.config.get("PRODUCTION", False)),
        name=name or integration.name,
        handle=integration.publisher,
        other_listings=_other_listings(integration),
        other_handles=_other_handles(integration),
        dependencies=_dependencies(manifest),
        variables_in_use=_variables_in_use(integration) if current is not None else frozenset(),
        visibility=integration.visibility,
        links=integration.links,
        for_review=bool(
            review.version_triggers(
                integration.trust_tier,
                current.auth_config if current is not None else None,
                documents.get("authConfig") if isinstance(documents.get("authConfig"), dict) else {},
            )
        ),
    )


def run(
    integration: Integration,
    version: str,
    documents: dict,
    current: IntegrationVersion | None,
    *,
    name: str | None = None,
) -> list[checks.Finding]:
    return checks.run_checks(context_for(integration, version, documents, current, name=name))
