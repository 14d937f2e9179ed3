"""All models, imported here so Alembic and the app see one metadata."""

from .account import AccountLink, ApiToken, User, normalise_email
from .audit import AuditEvent
from .category import Category
from .demo_oauth import DemoOAuthCode, DemoOAuthToken
from .idempotency import IdempotencyKey
from .install import Credential, Installation, InstallationMember, WizardSession
from .integration import Integration, IntegrationVersion
from .outbox import OutboxMessage
from .report import ListingReport, Takedown
from .review import ListingReview
from .workspace import HandleGrant, Invitation, Membership, PublisherNamespace, ReservedHandle, Workspace

__all__ = [
    "AccountLink",
    "ApiToken",
    "AuditEvent",
    "Category",
    "Credential",
    "DemoOAuthCode",
    "DemoOAuthToken",
    "HandleGrant",
    "IdempotencyKey",
    "Installation",
    "InstallationMember",
    "Invitation",
    "Integration",
    "IntegrationVersion",
    "ListingReport",
    "ListingReview",
    "Membership",
    "OutboxMessage",
    "PublisherNamespace",
    "ReservedHandle",
    "Takedown",
    "User",
    "WizardSession",
    "Workspace",
    "normalise_email",
]
