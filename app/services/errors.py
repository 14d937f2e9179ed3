"""Typed errors that services raise and views translate into form or JSON errors."""

from __future__ import annotations


class ServiceError(Exception):
    """Base: a request that cannot be carried out as asked. Maps to a 4xx."""

    code = "invalid"
    status = 400

    def __init__(self, message: str, *, field: str | None = None, details: list[dict] | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        # Always a list: one {"field" or "document", "path", "message", ...} item per problem.
        self.details = list(details) if details is not None else []


class NotFound(ServiceError):
    """Missing, or not visible to this person: the same answer so existence never leaks."""

    code = "not_found"
    status = 404


class PermissionDenied(ServiceError):
    """Seen but not allowed (e.g. a member, not an admin). Use NotFound when the object is unseen."""

    code = "forbidden"
    status = 403


class ValidationFailed(ServiceError):
    code = "validation_failed"
    status = 422


class Conflict(ServiceError):
    code = "conflict"
    status = 409


class InTrash(Conflict):
    """An integration in the trash is read-only until restored: no edit, publish, yank or visibility."""

    code = "in_trash"


class LinkInvalid(ServiceError):
    """A mailed link that is unknown, already used, revoked or expired: a clear page, never a 500."""

    code = "link_invalid"
    status = 410
