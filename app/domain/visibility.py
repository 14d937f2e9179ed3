"""Who may see an integration, and where. The one place that decides it (DESIGN.md's table).

| state                | listings (catalog, search, sitemap, API list) | detail page, API get by id         |
|----------------------|-----------------------------------------------|------------------------------------|
| public, published    | everyone                                      | everyone                           |
| unlisted, published  | nobody                                        | everyone with the URL              |
| private              | members of the source workspace               | members of the source workspace    |
| draft (unpublished)  | nobody                                        | members of the source workspace    |
| soft-deleted         | nobody                                        | the source workspace's admins      |

`can_view`/`is_listed` answer for one loaded integration; `viewable_clause`/`listed_clause`
apply the very same rule in SQL. Staff get no extra sight here: their tools live under /admin.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from sqlalchemy import ColumnElement, and_, false, or_

PUBLIC, UNLISTED, PRIVATE, DRAFT, DELETED = "public", "unlisted", "private", "draft", "deleted"


@dataclass(frozen=True)
class Viewer:
    """Who is looking: the workspaces they belong to, and those they administer."""

    user_id: str | None = None
    is_staff: bool = False
    member_of: frozenset[str] = field(default_factory=frozenset)
    admin_of: frozenset[str] = field(default_factory=frozenset)

    @property
    def is_anonymous(self) -> bool:
        return self.user_id is None


ANONYMOUS = Viewer()


class IntegrationLike(Protocol):
    workspace_id: str
    visibility: str
    current_version: str | None
    deleted_at: object | None


def state_of(integration: IntegrationLike) -> str:
    if integration.deleted_at is not None:
        return DELETED
    if integration.current_version is None:
        return DRAFT
    return integration.visibility


def can_view(viewer: Viewer, integration: IntegrationLike) -> bool:
    state = state_of(integration)
    if state == DELETED:
        return integration.workspace_id in viewer.admin_of
    if state in (PUBLIC, UNLISTED):
        return True
    return integration.workspace_id in viewer.member_of  # private or draft


def is_listed(viewer: Viewer, integration: IntegrationLike) -> bool:
    state = state_of(integration)
    if state == PUBLIC:
        return True
    if state == PRIVATE:
        return integration.workspace_id in viewer.member_of
    return False


def _in(column, ids: frozenset[str]) -> ColumnElement[bool]:
    return column.in_(sorted(ids)) if ids else false()


def listed_clause(model, viewer: Viewer) -> ColumnElement[bool]:
    """SQL twin of is_listed, for a model with the Integration columns."""
    return and_(
        model.deleted_at.is_(None),
        model.current_version.is_not(None),
        or_(
            model.visibility == PUBLIC,
            and_(model.visibility == PRIVATE, _in(model.workspace_id, viewer.member_of)),
        ),
    )


def listed_split(model, viewer: Viewer) -> tuple[ColumnElement[bool], ColumnElement[bool]]:
    """listed_clause as two disjoint parts: what everyone sees, and what this viewer sees beyond that
    (their workspaces' private integrations). Lets callers cache the first part for everybody."""
    published = and_(model.deleted_at.is_(None), model.current_version.is_not(None))
    return (
        and_(published, model.visibility == PUBLIC),
        and_(published, model.visibility == PRIVATE, _in(model.workspace_id, viewer.member_of)),
    )


def listed_to_someone_clause(model) -> ColumnElement[bool]:
    """Rows listed for at least one viewer (published, not deleted, public or private). For such a row
    is_listed depends only on its visibility and workspace: see is_listed_to."""
    return and_(
        model.deleted_at.is_(None),
        model.current_version.is_not(None),
        model.visibility.in_((PUBLIC, PRIVATE)),
    )


def is_listed_to(viewer: Viewer, visibility: str, workspace_id: str) -> bool:
    """is_listed for a row already known to satisfy listed_to_someone_clause (e.g. one of a cached list)."""
    return visibility == PUBLIC or (visibility == PRIVATE and workspace_id in viewer.member_of)


def viewable_clause(model, viewer: Viewer) -> ColumnElement[bool]:
    """SQL twin of can_view."""
    return or_(
        and_(
            model.deleted_at.is_(None),
            or_(
                and_(model.current_version.is_not(None), model.visibility.in_((PUBLIC, UNLISTED))),
                _in(model.workspace_id, viewer.member_of),
            ),
        ),
        and_(model.deleted_at.is_not(None), _in(model.workspace_id, viewer.admin_of)),
    )
