"""factory_boy factories over the real models and the request-scoped session."""

from __future__ import annotations

from functools import cache

import factory
from factory.alchemy import SQLAlchemyModelFactory
from werkzeug.security import generate_password_hash

from app.extensions import db
from app.models import (
    ApiToken,
    AuditEvent,
    Installation,
    Integration,
    IntegrationVersion,
    Membership,
    PublisherNamespace,
    User,
    Workspace,
)
from app.models.base import utcnow

PASSWORD = "password123"


class Base(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "flush"


@cache
def _test_hash(password: str) -> str:
    # A real hash with cheap parameters: the default scrypt costs ~0.1 s a user, which the
    # suite would pay thousands of times. check_password_hash reads the method from the hash.
    return generate_password_hash(password, method="pbkdf2:sha256:1000")


class UserFactory(Base):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"user{n}@example.test")
    display_name = factory.Sequence(lambda n: f"User {n}")
    is_staff = False
    password_hash = ""
    # Verified unless a test says otherwise (UserFactory(email_verified_at=None)).
    email_verified_at = factory.LazyFunction(utcnow)

    @factory.post_generation
    def password(self, create, extracted, **kwargs):
        self.password_hash = _test_hash(extracted or PASSWORD)


class WorkspaceFactory(Base):
    class Meta:
        model = Workspace

    slug = factory.Sequence(lambda n: f"ws-{n}")
    name = factory.Sequence(lambda n: f"Workspace {n}")


class MembershipFactory(Base):
    class Meta:
        model = Membership

    workspace = factory.SubFactory(WorkspaceFactory)
    user = factory.SubFactory(UserFactory)
    role = "member"


class NamespaceFactory(Base):
    class Meta:
        model = PublisherNamespace

    handle = factory.Sequence(lambda n: f"pub-{n}")
    workspace = factory.SubFactory(WorkspaceFactory)


def namespace_for(workspace: Workspace) -> str:
    """The workspace's own publisher handle, claimed on first use."""
    handle = f"pub-{workspace.slug}"
    if db.session.get(PublisherNamespace, handle) is None:
        db.session.add(PublisherNamespace(handle=handle, workspace_id=workspace.id))
        db.session.flush()
    return handle


class IntegrationFactory(Base):
    """A draft by default; pass `published="1.0.0"` (via IntegrationFactory.published()) for a published one."""

    class Meta:
        model = Integration

    workspace = factory.SubFactory(WorkspaceFactory)
    publisher = factory.LazyAttribute(lambda o: namespace_for(o.workspace))
    slug = factory.Sequence(lambda n: f"integration-{n}")
    name = factory.Sequence(lambda n: f"Integration {n}")
    description = "Does useful things."
    icon_url = None
    trust_tier = "community"
    visibility = "public"
    manifest = factory.LazyFunction(lambda: {"members": [], "dependencies": [], "defaults": {}})
    variables_schema = factory.LazyFunction(lambda: {"type": "object", "properties": {}})
    auth_config = factory.LazyFunction(lambda: {"type": "none"})
    creator = factory.SubFactory(UserFactory)
    retention_tier = None
    # A listing's privacy and support links (publish check MP007 wants them above `community`).
    links = factory.LazyFunction(
        lambda: {"privacy": "https://example.com/privacy", "support": "https://example.com/support"}
    )

    @classmethod
    def published(cls, version: str = "1.0.0", **kwargs) -> Integration:
        integration = cls(**kwargs)
        VersionFactory(integration=integration, version=version)
        integration.current_version = version
        integration.last_published_at = utcnow()
        db.session.flush()
        return integration


class VersionFactory(Base):
    class Meta:
        model = IntegrationVersion

    integration = factory.SubFactory(IntegrationFactory)
    version = "1.0.0"
    manifest = factory.LazyAttribute(lambda o: dict(o.integration.manifest))
    variables_schema = factory.LazyAttribute(lambda o: dict(o.integration.variables_schema))
    auth_config = factory.LazyAttribute(lambda o: dict(o.integration.auth_config))
    changelog = "Initial release."
    published_by = factory.LazyAttribute(lambda o: o.integration.created_by)
    published_at = factory.LazyFunction(utcnow)


class InstallationFactory(Base):
    class Meta:
        model = Installation

    workspace = factory.SubFactory(WorkspaceFactory)
    integration = factory.SubFactory(IntegrationFactory)
    version = factory.LazyAttribute(lambda o: o.integration.versions[0] if o.integration.versions else None)
    variables = factory.LazyFunction(dict)
    granted_scopes = factory.LazyFunction(list)
    status = "active"
    installed_at = factory.LazyFunction(utcnow)


def member(user=None, workspace=None, role="member") -> Membership:
    return MembershipFactory(user=user or UserFactory(), workspace=workspace or WorkspaceFactory(), role=role)


def audit_count() -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(AuditEvent))


__all__ = [
    "ApiToken",
    "PASSWORD",
    "UserFactory",
    "WorkspaceFactory",
    "MembershipFactory",
    "NamespaceFactory",
    "IntegrationFactory",
    "VersionFactory",
    "InstallationFactory",
    "member",
    "audit_count",
    "namespace_for",
]
