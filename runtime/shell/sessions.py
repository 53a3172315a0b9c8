"""The cookie session: a signed cookie that never grows with unread flash messages.

The cookie holds the server-side session id (accounts), the CSRF secret, the
chosen language and the flash messages of the next page. Flask appends every
``flash()`` to that list until a page shows them; a client that saves record
after record without loading the page each redirect leads to (a script, a
"save and add another" run in several tabs) would make the cookie grow with
every save until browsers drop it, signing the person out. Only the newest
few messages are kept: older unread ones say what the newer ones say again.

Flask builds a new signing serializer, and derives its HMAC key again, twice
a request; both depend only on the secret keys, so they are made once.
"""

from __future__ import annotations

from typing import Any

from flask.sessions import SecureCookieSessionInterface
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

#: unread flash messages kept in the cookie, newest last
MAX_FLASHES = 5


class BoundedSessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, keeping at most ``MAX_FLASHES`` unread messages."""

    def __init__(self) -> None:
        self._serializers: dict[tuple[Any, ...], URLSafeTimedSerializer] = {}

    def get_signing_serializer(self, app) -> URLSafeTimedSerializer | None:
        """Flask's serializer, made once per set of secret keys."""
        if not app.secret_key:
            return None
        key = (app.secret_key, *(app.config["SECRET_KEY_FALLBACKS"] or ()))
        found = self._serializers.get(key)
        if found is None:
            found = URLSafeTimedSerializer(
                [*key[1:], key[0]], salt=self.salt, serializer=self.serializer,
                signer=_KeyOnceSigner, signer_kwargs={
                    "key_derivation": self.key_derivation, "digest_method": self.digest_method})
            self._serializers = {key: found}  # a new key replaces the old ones
        return found

    def save_session(self, app, session, response) -> None:
        """Drop the oldest unread flash messages before the cookie is written."""
        flashes = session.get("_flashes")
        if flashes and len(flashes) > MAX_FLASHES:
            session["_flashes"] = flashes[-MAX_FLASHES:]
        super().save_session(app, session, response)


class _KeyOnceSigner(TimestampSigner):
    """A timestamp signer that derives each secret key's HMAC key once."""

    _derived: dict[tuple[Any, ...], bytes] = {}

    def derive_key(self, secret_key: str | bytes | None = None) -> bytes:
        """The derived key, from the cache when this key, salt and method were seen."""
        key = (secret_key, self.secret_keys[-1], self.salt, self.key_derivation,
               self.digest_method)
        found = self._derived.get(key)
        if found is None:
            found = super().derive_key(secret_key)
            if len(self._derived) > 32:
                self._derived.clear()
            self._derived[key] = found
        return found
