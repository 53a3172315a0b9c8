"""Pure rules about accounts: limits, e-mail shape, a user's status. No database here."""

from __future__ import annotations

import re
from enum import StrEnum

NAME_MAX = 120
EMAIL_MAX = 254
# Deliberately permissive: intranet domains such as ``corp.local`` must pass, which
# email-validator refuses as "special use". The invitation mail proves the address.
_PART = r"[^\s@<>()\[\]\\,;:\"]"
_EMAIL = re.compile(rf"^{_PART}{{1,64}}@{_PART}+\.(?:(?!\.){_PART})+$")


class UserStatus(StrEnum):
    """What an administrator sees in the status column."""

    ACTIVE = "active"
    INVITED = "invited"
    DISABLED = "disabled"


def normalise_email(email: str | None) -> str:
    """E-mail addresses are compared trimmed and lower-cased."""
    return (email or "").strip().lower()


def looks_like_email(address: str) -> bool:
    """Whether ``address`` has the shape name@domain.tld (no spaces or markup)."""
    return len(address) <= EMAIL_MAX and ".." not in address and _EMAIL.match(address) is not None


def user_status(is_active: bool, has_password: bool) -> UserStatus:
    """Disabled wins over invited; an invited user has not chosen a password yet."""
    if not is_active:
        return UserStatus.DISABLED
    return UserStatus.ACTIVE if has_password else UserStatus.INVITED


def has_control_characters(text: str) -> bool:
    """Line breaks, tabs and other control characters (they break mail headers)."""
    return any(ord(ch) < 32 or ord(ch) == 127 for ch in text)
