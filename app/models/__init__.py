"""All models, imported here so Alembic and the app see one metadata."""

from .account import AccountLink, ApiToken, User, normalise_email
from .audit import AuditEvent
from .category import Category
from .demo_oauth import DemoOAuthCode, DemoOAuthToken
from .idempotency import IdempotencyKey
from .install import Credential, Installation, InstallationMember, WizardSession
from .integration import Integration, IntegrationVersion
from .outbox import OutboxMessage, QueuedMail
from .policy import InstallRequest, WorkspacePolicy
from .rating import Rating, RatingFlag
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
    "InstallRequest",
    "Installation",
    "InstallationMember",
    "Invitation",
    "Integration",
    "IntegrationVersion",
    "ListingReport",
    "ListingReview",
    "Membership",
    "OutboxMessage",
    "QueuedMail",
    "PublisherNamespace",
    "Rating",
    "RatingFlag",
    "ReservedHandle",
    "Takedown",
    "User",
    "WizardSession",
    "Workspace",
    "WorkspacePolicy",
    "normalise_email",
]
