"""Build the visibility Viewer for a user (one query for all their memberships), and load a signed-in
user together with their memberships in one query (every signed-in request does both).

A request that only reads (`read_only`) loads them outside the session's transaction: one Core
statement on a pooled connection of its own reads the user's row, their memberships and the page
generation together (the page cache's read, made before anything the page shows is read), and the
user is attached to the session from that row without a second query. Nothing is kept between
requests: each one reads the row afresh, so a signed-out session or a removed membership is seen on
the very next request in every process. A request that may write loads the user in its own
transaction, as before (a read outside it could be older than the write's lock on SQLite).
"""

from __future__ import annotations

from functools import lru_cache
from itertools import chain

from sqlalchemy import Connection, bindparam, event, inspect, select
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from ..domain.visibility import ANONYMOUS, Viewer
from ..extensions import db
from ..models import Membership, User
from ..models.workspace import MANAGER_ROLES
from .catalog.generation import COUNTS, GENERATION


def load_with_memberships(user_id: str, read_only: bool = False) -> User | None:
    """The user, with `membership_roles` set to their (workspace id, role) pairs as this request began:
    one query (an outer join) instead of two for each signed-in request. With `read_only` (the request
    writes nothing), read outside the session's transaction, with `page_generation` set too."""
    if read_only:
        return _load_outside_transaction(user_id)
    rows = db.session.execute(_user_with_memberships(), {"user_id": user_id}).all()
    if not rows:
        return None
    user = rows[0][0]
    user.membership_roles = tuple((ws, role) for _, ws, role in rows if ws is not None)
    vars(user).pop("page_generation", None)  # only ever the one read with this request's load
    return user


@lru_cache(maxsize=1)
def _user_with_memberships():
    # Built once: composing the statement cost more than running it, on every signed-in request.
    return (
        select(User, Membership.workspace_id, Membership.role)
        .outerjoin(Membership, Membership.user_id == User.id)
        .where(User.id == bindparam("user_id"))
    )


def _load_outside_transaction(user_id: str) -> User | None:
    statement, keys = _user_row_with_memberships()
    bind = db.session.get_bind()
    if isinstance(bind, Connection):  # the test suite's outer transaction: read what the test wrote
        db.session.flush()
        rows = bind.execute(statement, {"user_id": user_id}).all()
    else:
        with bind.connect() as connection:
            rows = connection.execute(statement, {"user_id": user_id}).all()
    if not rows:
        return None
    columns = len(keys)
    first = rows[0]
    user = db.session.identity_map.get(db.session.identity_key(User, (user_id,)))
    if user is None:  # attach it from the row just read: persistent and clean, no second query
        user = User.__mapper__.class_manager.new_instance()
        for key, value in zip(keys, first[:columns], strict=True):
            set_committed_value(user, key, value)
        make_transient_to_detached(user)
        db.session.add(user)
    else:  # already in this session: what an ORM load does, fill in what is expired from the row
        unloaded = inspect(user).unloaded
        for key, value in zip(keys, first[:columns], strict=True):
            if key in unloaded:
                set_committed_value(user, key, value)
    user.membership_roles = tuple(
        (row[columns], row[columns + 1]) for row in rows if row[columns] is not None
    )
    user.page_generation = (int(first[columns + 2]), int(first[columns + 3]))
    return user


@lru_cache(maxsize=1)
def _user_row_with_memberships():
    """(statement, the User attribute of each leading column): the user's columns, then each membership's
    workspace id and role (an outer join), then the page generation (listing, counts)."""
    mapper = User.__mapper__
    columns = list(mapper.columns)
    statement = (
        select(*columns, Membership.workspace_id, Membership.role, GENERATION, COUNTS)
        .select_from(User.__table__)
        .outerjoin(Membership.__table__, Membership.user_id == User.id)
        .where(User.id == bindparam("user_id"))
    )
    return statement, tuple(mapper.get_property_by_column(column).key for column in columns)


@event.listens_for(Session, "after_flush")
def _forget_loaded_memberships(session, _context) -> None:
    """A membership written in this session: users loaded with theirs read them afresh."""
    if any(isinstance(row, Membership) for row in chain(session.new, session.dirty, session.deleted)):
        for row in session.identity_map.values():
            if isinstance(row, User):
                vars(row).pop("membership_roles", None)


def viewer_for(user) -> Viewer:
    if user is None or not getattr(user, "is_authenticated", False):
        return ANONYMOUS
    # The memberships read with the user at the start of this request, unless one was written since.
    rows = getattr(user, "membership_roles", None)
    if rows is None:
        rows = db.session.execute(
            db.select(Membership.workspace_id, Membership.role).where(Membership.user_id == user.id)
        ).all()
    return Viewer(
        user_id=user.id,
        is_staff=bool(user.is_staff),
        member_of=frozenset(ws for ws, _ in rows),
        admin_of=frozenset(ws for ws, role in rows if role in MANAGER_ROLES),
    )
