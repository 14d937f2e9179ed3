"""Flask's signed-cookie sessions, each cookie's verification remembered.

Decides: what a request pays to read its session. Flask checks the cookie's signature (an HMAC),
decompresses and decodes it on every request: about 0.05-0.1 ms, the largest cost of a member's page
the member page front answers. A member sends the very same cookie from one request to the next until
their session changes, so a cookie that verified once is remembered -- the exact cookie, under the
app's secret key, with the time it was signed and its payload as the session's JSON text -- and a
later request with the same cookie gets its session from that: its age is checked against the
lifetime as Flask checks it, and the payload is decoded afresh (no two requests share a dict).
A cookie never seen, altered in any way or signed with another key is verified in full. At most
MAX_COOKIES are remembered per process (then the memory starts afresh).
"""

from __future__ import annotations

import time

from flask.sessions import SecureCookieSessionInterface
from itsdangerous import BadSignature

MAX_COOKIES = 10_000


class RememberingSessionInterface(SecureCookieSessionInterface):
    def __init__(self):
        self.verified: dict[tuple[str, str], tuple[int, str]] = {}  # (key, cookie) -> (signed at, JSON)

    def open_session(self, app, request):
        if not app.secret_key:
            return None  # as Flask: no signing serializer, no session
        cookie = request.cookies.get(self.get_cookie_name(app))
        if not cookie:
            return self.session_class()
        max_age = int(app.permanent_session_lifetime.total_seconds())
        key = (app.secret_key, cookie)
        found = self.verified.get(key)
        if found is None:
            try:
                data, signed = self.get_signing_serializer(app).loads(
                    cookie, max_age=max_age, return_timestamp=True
                )
            except BadSignature:  # (an expired signature too)
                return self.session_class()
            found = (int(signed.timestamp()), self.serializer.dumps(data))
            if len(self.verified) >= MAX_COOKIES:
                self.verified.clear()
            self.verified[key] = found
        else:
            age = int(time.time()) - found[0]  # itsdangerous's TimestampSigner check
            if age > max_age or age < 0:
                return self.session_class()
        return self.session_class(self.serializer.loads(found[1]))
