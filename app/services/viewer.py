"""Build the visibility Viewer for a user (one query for all their memberships), and load a signed-in
user together with their memberships in one query (every signed-in request does both).

A request that only reads (`read_only`) loads them outside the session's transaction: one statement,
compiled once and run on the thread's own autocommit connection (the generation's), reads the user's row, their
memberships and the page generation together (the page cache's read, made before anything the page
shows is read), and the user is attached to the session from that row without a second query. Nothing is kept between
requests: each one reads the row afresh, so a signed-out session or a removed membership is seen on
the very next request in every process. A request that may write loads the user in its own
transaction, as before (a read outside it could be older than the write's lock on SQLite).
"""

from __future__ import annotations

from functools import lru_cache
from itertools import chain

from flask import has_request_context, request
from sqlalchemy import Connection, bindparam, event, inspect, select, true
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from ..domain.visibility import ANONYMOUS, Viewer
from ..extensions import db
from ..models import Membership, User
from ..models.workspace import MANAGER_ROLES
from .catalog.generation import SUMS, reader_for


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
    sql, keys, processors = _user_row_statement()
    rows = _rows_read_by_front(user_id)
    if rows is None:
        rows = _read_rows(sql, user_id)
    if not rows:
        return None
    values, roles, generation = _parsed(rows, keys, processors)
    session = db.session()
    user = session.identity_map.get(session.identity_key(User, (user_id,)))
    if user is None:  # attach it from the row just read: persistent and clean, no second query
        user = User.__mapper__.class_manager.new_instance()
        vars(user).update(values)
        make_transient_to_detached(user)  # what is set counts as loaded, as from a query
        session.add(user)
    else:  # already in this session: what an ORM load does, fill in what is expired from the row
        unloaded = inspect(user).unloaded
        for key, value in values.items():
            if key in unloaded:
                set_committed_value(user, key, value)
    user.membership_roles = roles
    user.page_generation = generation
    return user


# What the member page front read for this request, when it then let Flask answer: (user id, rows).
ENVIRON_MEMBER_ROWS = "marketplace.member_rows"


def _rows_read_by_front(user_id: str) -> list[tuple] | None:
    """The rows the member page front read at the start of this very request (app/web/member_front.py),
    so a request it passes on to Flask reads them once; None when it read none for this user."""
    if not has_request_context():
        return None
    found = request.environ.pop(ENVIRON_MEMBER_ROWS, None)
    return found[1] if found is not None and found[0] == user_id else None


def member_rows(user_id: str, bind=None) -> list[tuple]:
    """The raw rows of the read a signed-in read-only request makes -- the user's row, their memberships
    and the page generation, one statement on the thread's own autocommit connection -- on `bind`
    (no app context needed: the member page front, before Flask runs), else (or for a Connection, the
    test suite's outer transaction, which needs the app context it keeps open) on the app's bind."""
    if bind is None or isinstance(bind, Connection):  # the test suite's outer transaction: through the app's
        return _read_rows(_user_row_statement()[0], user_id)
    (text, params), _, _ = _compiled_user_row(bind.dialect)
    return reader_for(bind).read_all(text, params(user_id))


def detached_member(rows: list[tuple], dialect) -> User | None:
    """The user of `member_rows`, attached to no session: its columns, `membership_roles` and
    `page_generation` are set, and it loads nothing more."""
    if not rows:
        return None
    _, keys, processors = _compiled_user_row(dialect)
    values, roles, generation = _parsed(rows, keys, processors)
    user = User.__mapper__.class_manager.new_instance()
    vars(user).update(values)
    user.membership_roles = roles
    user.page_generation = generation
    return user


def _parsed(rows: list[tuple], keys: tuple, processors: tuple) -> tuple[dict, tuple, tuple[int, int]]:
    """(the user's column values by attribute, their (workspace id, role) pairs, the page generation)
    from the statement's raw rows (one per membership, or one with none)."""
    rows = [tuple(p(v) if p else v for p, v in zip(processors, row, strict=True)) for row in rows]
    columns = len(keys)
    first = rows[0]
    roles = tuple((row[columns], row[columns + 1]) for row in rows if row[columns] is not None)
    return (
        dict(zip(keys, first[:columns], strict=True)),
        roles,
        (int(first[columns + 2]), int(first[columns + 3])),
    )


def _read_rows(sql: tuple[str, object], user_id: str) -> list[tuple]:
    """The statement's rows, read on this thread's own autocommit connection, the one the page
    generation is read on (`GenerationReader`: one round trip, no pool checkout nor pre-ping, no
    transaction of the session's; the rows are one snapshot). Under the test suite's outer transaction (the bind is a
    Connection) through that connection, which sees the test's rows."""
    text, params = sql
    params = params(user_id)
    bind = db.engine
    if isinstance(bind, Connection):
        db.session.flush()
        return [tuple(row) for row in bind.exec_driver_sql(text, params)]
    return reader_for(bind).read_all(text, params)


def _user_row_statement():
    """(the statement as this database's driver takes it, the User attribute of each leading column,
    each column's result processor): the user's columns, then each membership's workspace id and role
    (an outer join), then the page generation (listing, counts). Compiled once per dialect."""
    return _compiled_user_row(db.engine.dialect)


@lru_cache(maxsize=4)
def _compiled_user_row(dialect):
    mapper = User.__mapper__
    columns = list(mapper.columns)
    statement = (
        select(*columns, Membership.workspace_id, Membership.role, SUMS.c.listing, SUMS.c.counts)
        .select_from(User.__table__.join(SUMS, true()))
        .outerjoin(Membership.__table__, Membership.user_id == User.id)
        .where(User.id == bindparam("user_id"))
    )
    compiled = statement.compile(dialect=dialect)
    if compiled.positional:
        names = compiled.positiontup

        def params(user_id):
            values = compiled.construct_params({"user_id": user_id})
            return tuple(values[name] for name in names)
    else:

        def params(user_id):
            return compiled.construct_params({"user_id": user_id})

    processors = tuple(
        column.type.dialect_impl(dialect).result_processor(dialect, None)
        for column in statement.selected_columns
    )
    keys = tuple(mapper.get_property_by_column(column).key for column in columns)
    return (str(compiled), params), keys, processors


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
