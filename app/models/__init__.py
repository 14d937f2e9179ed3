"""All models, imported here so Alembic and the app see one metadata."""

from .account import AccountLink, ApiToken, User, normalise_email
from .audit import AuditEvent
from .category import Category
from .demo_oauth import DemoOAuthCode, DemoOAuthToken
from .idempotency import IdempotencyKey
from .install import Credential, Installation, InstallationMember, WizardSession
from .integration import Integration, IntegrationVersion
from .media import ListingScreenshot, MediaFile
from .outbox import OutboxMessage, QueuedMail
from .policy import InstallRequest, WorkspacePolicy
from .publisher_profile import PublisherProfile
from .rating import Rating, RatingFlag
from .report import ListingReport, Takedown
from .review import ListingReview
from .webhook import WebhookDelivery, WebhookEndpoint
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
    "ListingScreenshot",
    "MediaFile",
    "Membership",
    "OutboxMessage",
    "QueuedMail",
    "PublisherNamespace",
    "PublisherProfile",
    "Rating",
    "RatingFlag",
    "ReservedHandle",
    "Takedown",
    "User",
    "WebhookDelivery",
    "WebhookEndpoint",
    "WizardSession",
    "Workspace",
    "WorkspacePolicy",
    "normalise_email",
]
