"""Publishing immutable versions, yanking them, and purging the trash for good.

Publishing locks the integration row (SELECT ... FOR UPDATE on PostgreSQL; on SQLite the
request's BEGIN IMMEDIATE already serialises writers) and relies on the unique
(integration_id, version) constraint as the last word: of two simultaneous publishes of the
same version exactly one wins, the other gets Conflict, and nothing is half-written.

Yanking recomputes currentVersion as the highest non-yanked version. Yanking the last
non-yanked version is refused: an integration that has been published never silently turns
back into a draft (currentVersion NULL) under its installers; to withdraw it entirely, make
it private or move it to the trash.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError

from ..domain import documents, review
from ..domain.checks import ERROR, Finding
from ..domain.semver_range import (
    InvalidVersion,
    compare,
    is_valid_version,
    max_satisfying,
    next_versions,
    parse_version,
    version_key,
)
from ..domain.visibility import Viewer, can_view
from ..extensions import db
from ..models import Installation, Integration, IntegrationVersion
from ..models.base import utcnow
from ..models.integration import VERSION_MAX
from . import audit, publish_checks, review_submissions, verification
from .errors import Conflict, NotFound, ValidationFailed
from .integrations import allow_local_http, change, documents_invalid, require_not_in_trash

CHANGELOG_MAX = 20_000
REASON_MAX = 2_000
RETENTION_DAYS = {"short": 7, "medium": 30, "long": 365, "none": 0}


def version_numbers(integration: Integration) -> list[str]:
    return list(
        db.session.scalars(
            db.select(IntegrationVersion.version).where(IntegrationVersion.integration_id == integration.id)
        )
    )


def suggestions(integration: Integration) -> dict[str, str]:
    """Next patch/minor/major after the highest version ever published (yanked ones included)."""
    versions = [v for v in version_numbers(integration) if is_valid_version(v)]
    highest = max(versions, key=version_key) if versions else None
    if highest is None:
        return {"patch": "0.0.1", "minor": "0.1.0", "major": "1.0.0"}
    return next_versions(highest)


def versions_newest_first(integration: Integration) -> list[IntegrationVersion]:
    """Every published version (yanked ones too) with its publisher, highest precedence first."""
    rows = db.session.scalars(
        db.select(IntegrationVersion)
        .where(IntegrationVersion.integration_id == integration.id)
        .options(db.selectinload(IntegrationVersion.publisher_user))
    ).all()
    valid = [r for r in rows if is_valid_version(r.version)]
    return sorted(valid, key=lambda r: version_key(r.version), reverse=True)


def version_of(integration: Integration, version: str) -> IntegrationVersion:
    """One version of an integration the caller has already loaded; NotFound if there is none."""
    row = db.session.scalar(
        db.select(IntegrationVersion).where(
            IntegrationVersion.integration_id == integration.id,
            IntegrationVersion.version == (version or "")[:64],
        )
    )
    if row is None:
        raise NotFound("No such version.")
    return row


def _dependency_problems(integration: Integration, manifest: dict, viewer: Viewer) -> list[dict]:
    problems = []
    for i, dependency in enumerate(manifest.get("dependencies") or []):
        path = f"$.dependencies[{i}]"
        name, wanted = dependency.get("integration", ""), dependency.get("version", "")
        publisher, _, slug = name.partition("/")
        target = db.session.scalar(
            db.select(Integration).where(Integration.publisher == publisher, Integration.slug == slug)
        )
        if target is not None and target.id == integration.id:
            problems.append(_dep_problem(path + ".integration", "An integration cannot depend on itself."))
            continue
        if target is None or not can_view(viewer, target) or target.current_version is None:
            problems.append(
                _dep_problem(
                    path + ".integration", f"No published integration “{name}” that installers can see."
                )
            )
            continue
        available = db.session.scalars(
            db.select(IntegrationVersion.version).where(
                IntegrationVersion.integration_id == target.id,
                IntegrationVersion.yanked_at.is_(None),
                review.live_version_clause(IntegrationVersion),
            )
        ).all()
        if max_satisfying(available, wanted) is None:
            problems.append(
                _dep_problem(
                    path + ".version", f"No published, non-yanked version of “{name}” matches “{wanted}”."
                )
            )
    return problems


def _dep_problem(path: str, message: str) -> dict:
    return {"document": documents.MANIFEST, "path": path, "message": message, "line": None}


@dataclass
class PublishResult:
    """A published version, the checks' warnings, and the review it waits for (None: it is current)."""

    version: IntegrationVersion
    warnings: list[Finding] = field(default_factory=list)
    review: object | None = None

    @property
    def pending_review(self) -> bool:
        return self.review is not None


def publish_version(
    actor, integration: Integration, version: str, changelog: str | None
) -> IntegrationVersion:
    """Snapshot the documents into an immutable version (see `publish`)."""
    return publish(actor, integration, version, changelog).version


def _checked_version(integration: Integration, version: str) -> str:
    version = (version or "").strip()
    try:
        parsed = parse_version(version)
    except InvalidVersion as error:
        raise ValidationFailed(
            str(error),
            field="version",
            details=[{"field": "version", "path": "$.version", "message": str(error)}],
        ) from error
    version = str(parsed)
    existing = version_numbers(integration)
    if version in existing:
        raise Conflict(
            f"Version {version} is already published. Version numbers are never reused.", field="version"
        )
    higher = [v for v in existing if is_valid_version(v) and compare(v, version) >= 0]
    if higher:
        top = max(higher, key=version_key)
        raise Conflict(  # the request is well formed; the versions published so far refuse it
            f"The version must be greater than every earlier one (including yanked): {top} exists.",
            field="version",
            details=[{"field": "version", "path": "$.version", "message": f"Must be greater than {top}."}],
        )
    return version


def working_documents(integration: Integration) -> dict:
    return {
        "manifest": integration.manifest,
        "variablesSchema": integration.variables_schema,
        "authConfig": integration.auth_config,
    }


def check_errors(findings: list[Finding]) -> ValidationFailed | None:
    """The automated checks' errors as one refusal (each detail names its check id)."""
    errors = [f for f in findings if f.severity == ERROR]
    if not errors:
        return None
    return ValidationFailed(
        f"{len(errors)} publish check{'s' if len(errors) != 1 else ''} failed; nothing was published.",
        field="documents",
        details=[
            {**f.as_dict(), "field": "documents", "path": f.path or "$", "message": f"{f.check}: {f.message}"}
            for f in errors
        ],
    )


@dataclass
class PublishPreview:
    """What publishing the working copy as `version` would meet: check findings, review triggers."""

    version: str
    findings: list[Finding]
    triggers: list[review.Trigger]


def preview(integration: Integration, version: str) -> PublishPreview:
    """For the publish page, before anything is published (documents may still be invalid)."""
    current = review_submissions.current_row(integration)
    docs = working_documents(integration)
    return PublishPreview(
        version,
        publish_checks.run(integration, version, docs, current),
        review.version_triggers(
            integration.trust_tier, current.auth_config if current else None, docs["authConfig"]
        ),
    )


def publish(actor, integration: Integration, version: str, changelog: str | None) -> PublishResult:
    """Snapshot the documents into an immutable version. It becomes current at once, or, when it
    widens the trust of a listing above community (domain/review.py), waits for staff review."""
    verification.require_verified(actor)
    require_not_in_trash(integration)
    if len(version or "") > VERSION_MAX:  # counted as sent; longer ones would not fit the column
        message = f"A version number is at most {VERSION_MAX} characters."
        raise ValidationFailed(
            message, field="version", details=[{"field": "version", "path": "$.version", "message": message}]
        )
    version = _checked_version(integration, version)
    sent = changelog or ""
    changelog = sent.strip() or None
    if changelog and len(sent) > CHANGELOG_MAX:  # counted as sent, as the API document says
        raise ValidationFailed(f"Keep the changelog under {CHANGELOG_MAX} characters.", field="changelog")
    current = review_submissions.current_row(integration)
    findings = publish_checks.run(integration, version, working_documents(integration), current)
    refusal = check_errors(findings)
    if refusal is not None:
        raise refusal
    values, errors = documents.validate_values_documents(
        working_documents(integration), allow_local_http=allow_local_http()
    )
    if errors:
        raise documents_invalid(errors)
    workspace_viewer = Viewer(
        user_id=actor.id,
        member_of=frozenset({integration.workspace_id}),
        admin_of=frozenset({integration.workspace_id}),
    )
    problems = _dependency_problems(integration, values["manifest"], workspace_viewer)
    if problems:
        raise ValidationFailed(
            f"{len(problems)} dependenc{'ies' if len(problems) != 1 else 'y'} cannot be resolved.",
            field="documents",
            details=problems,
        )
    snapshot_row = IntegrationVersion(
        integration_id=integration.id,
        version=version,
        manifest=values["manifest"],
        variables_schema=values["variablesSchema"],
        auth_config=values["authConfig"],
        changelog=changelog,
        published_by=actor.id,
        published_at=utcnow(),
    )
    try:
        with db.session.begin_nested():
            db.session.add(snapshot_row)
    except IntegrityError:
        raise Conflict(f"Version {version} was just published by someone else.", field="version") from None
    warnings = [f for f in findings if f.severity != ERROR]
    review_submissions.supersede(integration, "version")  # a newer version replaces one still waiting
    triggers = review.version_triggers(
        integration.trust_tier, current.auth_config if current else None, values["authConfig"]
    )
    if triggers:
        submission = review_submissions.submit_version(actor, integration, snapshot_row, triggers, warnings)
        change(
            actor,
            integration,
            "integration.published_for_review",
            {},
            note=" ".join(t.message for t in triggers),
            version=version,
        )
        return PublishResult(snapshot_row, warnings, submission)
    change(
        actor,
        integration,
        "integration.published",
        {"current_version": version, "last_published_at": snapshot_row.published_at},
        version=version,
    )
    return PublishResult(snapshot_row, warnings)


def yank_version(actor, integration: Integration, version: str, reason: str | None) -> IntegrationVersion:
    require_not_in_trash(integration)
    row = version_of(integration, version)
    sent = reason or ""
    reason = sent.strip()
    if not reason or len(sent) > REASON_MAX:  # counted as sent, as the API document says
        message = f"Say why this version is yanked (up to {REASON_MAX} characters)."
        raise ValidationFailed(
            message, field="reason", details=[{"field": "reason", "path": "$.reason", "message": message}]
        )
    if row.yanked_at is not None:
        raise Conflict(f"Version {row.version} is already yanked.")
    remaining = [
        v
        for v in db.session.scalars(
            db.select(IntegrationVersion.version).where(
                IntegrationVersion.integration_id == integration.id,
                IntegrationVersion.yanked_at.is_(None),
                IntegrationVersion.id != row.id,
                review.live_version_clause(IntegrationVersion),
            )
        )
    ]
    if not remaining:
        raise Conflict(
            "This is the only version that is not yanked. Publish a fixed version first, or make "
            "the integration private or move it to the trash.",
            field="version",
        )
    row.yanked_at = utcnow()
    row.yank_reason = reason
    if row.review_state == review.PENDING:  # withdrawn by its publisher: out of the staff queue
        review_submissions.supersede(integration, "version")
    change(
        actor,
        integration,
        "integration.version_yanked",
        {"current_version": max(remaining, key=version_key)},
        note=reason,
        version=row.version,
    )
    return row


# --- purge --------------------------------------------------------------------------------------


@dataclass
class PurgeItem:
    integration_id: str
    label: str
    retention_tier: str | None
    deleted_at: datetime
    due_at: datetime
    installations: int
    versions: int


@dataclass
class PurgeSummary:
    dry_run: bool
    items: list[PurgeItem] = field(default_factory=list)
    kept: int = 0

    @property
    def integrations(self) -> int:
        return len(self.items)

    @property
    def installations(self) -> int:
        return sum(i.installations for i in self.items)

    @property
    def versions(self) -> int:
        return sum(i.versions for i in self.items)


def retention_days(tier: str | None, default_days: int) -> int:
    return RETENTION_DAYS.get(tier, default_days) if tier is not None else default_days


def due_for_purge(now: datetime, default_days: int) -> tuple[list[PurgeItem], int]:
    """Soft-deleted integrations whose retention has run out at `now`, and how many are kept."""
    rows = db.session.scalars(
        db.select(Integration)
        .where(Integration.deleted_at.is_not(None))
        .order_by(Integration.deleted_at, Integration.id)
    ).all()
    due, kept = [], 0
    for integration in rows:
        due_at = integration.deleted_at + timedelta(
            days=retention_days(integration.retention_tier, default_days)
        )
        if due_at > now:
            kept += 1
            continue
        due.append(
            PurgeItem(
                integration_id=integration.id,
                label=f"{integration.publisher}/{integration.slug}",
                retention_tier=integration.retention_tier,
                deleted_at=integration.deleted_at,
                due_at=due_at,
                installations=_count(Installation, Installation.integration_id == integration.id),
                versions=_count(IntegrationVersion, IntegrationVersion.integration_id == integration.id),
            )
        )
    return due, kept


def _count(model, clause) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(model).where(clause))


def purge_one(item: PurgeItem) -> bool:
    """Erase one integration and everything hanging off it (installations, their members and
    credentials, versions, wizard sessions: ON DELETE CASCADE). One audit event (actor: the system)."""
    # Locked, and skipped when another purge (a second consumer) holds it: that one erases it.
    integration = db.session.scalar(
        db.select(Integration)
        .where(Integration.id == item.integration_id, Integration.deleted_at.is_not(None))
        .with_for_update(skip_locked=True)
    )
    if integration is None:
        return False  # restored or purged since it was listed
    audit.record(
        None,
        "integration.purged",
        integration,
        object_label=item.label,
        before={
            "deleted_at": audit.plain(integration.deleted_at),
            "retention_tier": integration.retention_tier,
            "installations": item.installations,
            "versions": item.versions,
        },
    )
    from . import media  # media imports the integration services, which import this module

    files = media.files_named_by(integration)
    db.session.execute(db.delete(Integration).where(Integration.id == integration.id))
    db.session.expunge(integration)
    media.forget_unused(files)  # its icon and screenshots, unless another listing names the same file
    return True


def purge(
    now: datetime | None = None,
    *,
    dry_run: bool = False,
    default_days: int = 30,
    each: Callable[[Iterable[PurgeItem]], Iterable[PurgeItem]] | None = None,
    commit: Callable[[], None] | None = None,
) -> PurgeSummary:
    """Erase for good what the retention tiers say is due at `now`. `each` wraps the iteration
    (a progress bar); `commit` ends each integration's own transaction."""
    now = now or utcnow()
    items, kept = due_for_purge(now, default_days)
    summary = PurgeSummary(dry_run=dry_run, kept=kept)
    iterator = each(items) if each else items
    for item in iterator:
        if dry_run:
            summary.items.append(item)
            continue
        if purge_one(item):
            summary.items.append(item)
            if commit:
                commit()
    return summary
