"""JSON shapes of the API. `integration_to_dict` is exactly spec/integration-entity.txt:
eighteen camelCase keys, nulls where the spec allows them, ISO 8601 UTC timestamps.

Its documents and `currentVersion` are what the caller is shown (`snapshots.Shown`): the current
version's snapshot on every read; only the write API's answers to the source workspace echo the
working copy it has just saved."""

from __future__ import annotations

from ...domain.access import access_summary
from ...domain.listing_links import LINK_KINDS, shown_links
from ...models import Integration, IntegrationVersion
from ...models.base import isoformat_z
from ...services.snapshots import Shown
from ..media.urls import icon_url_of, media_url


def integration_to_dict(integration: Integration, shown: Shown) -> dict:
    return {
        "id": integration.id,
        "workspaceId": integration.workspace_id,
        "slug": integration.slug,
        "name": integration.name,
        "description": integration.description,
        "iconUrl": icon_url_of(integration),
        "publisher": integration.publisher,
        "trustTier": integration.trust_tier,
        "currentVersion": shown.version,
        "manifest": shown.manifest,
        "variablesSchema": shown.variables_schema,
        "authConfig": shown.auth_config,
        "visibility": integration.visibility,
        "createdBy": integration.created_by,
        "deletedAt": isoformat_z(integration.deleted_at),
        "retentionTier": integration.retention_tier,
        "createdAt": isoformat_z(integration.created_at),
        "updatedAt": isoformat_z(integration.updated_at),
    }


def version_to_dict(version: IntegrationVersion) -> dict:
    return {
        "id": version.id,
        "integrationId": version.integration_id,
        "version": version.version,
        "manifest": version.manifest or {},
        "variablesSchema": version.variables_schema or {},
        "authConfig": version.auth_config or {},
        "changelog": version.changelog,
        "publishedBy": version.published_by,
        "publishedAt": isoformat_z(version.published_at),
        "yanked": version.yanked_at is not None,
        "yankedAt": isoformat_z(version.yanked_at),
        "yankReason": version.yank_reason,
    }


def _category(category) -> dict | None:
    return {"slug": category.slug, "name": category.name} if category is not None else None


def listing_to_dict(integration: Integration, shown: Shown) -> dict:
    """GET /api/v1/integrations/<id>/listing: what the listing page shows beside the Integration object.
    The access summary follows the shown snapshot's authConfig, as the Integration object does."""
    from ...services import media, publisher_profiles, ratings

    links = dict.fromkeys((kind for kind, _ in LINK_KINDS), None)
    links.update({kind: url for kind, _, url in shown_links(integration.links)})
    count, total = integration.rating_count or 0, integration.rating_total or 0
    profile = publisher_profiles.profile_of(integration.publisher)
    return {
        "integrationId": integration.id,
        "categories": {
            "primary": _category(integration.primary_category),
            "secondary": _category(integration.secondary_category),
        },
        "links": links,
        "access": access_summary(shown.auth_config).as_dict(),
        "media": {
            "iconUrl": icon_url_of(integration),
            "screenshots": [
                {
                    "url": media_url(shot.media.filename),
                    "caption": shot.caption,
                    "width": shot.media.width,
                    "height": shot.media.height,
                }
                for shot in media.screenshots_of(integration.id)
            ],
        },
        "rating": {
            "average": round(total / count, 2) if count else None,
            "count": count,
            "distribution": {str(bar.stars): bar.count for bar in ratings.distribution_of(integration)},
        },
        "publisher": {
            "handle": integration.publisher,
            "name": (
                profile.display_name if profile and profile.display_name else integration.workspace.name
            ),
            "description": profile.description if profile else None,
            "website": profile.website if profile else None,
            "support": profile.support_contact if profile else None,
            "identityVerified": bool(profile and profile.is_verified),
        },
    }
