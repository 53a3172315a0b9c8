"""The organisation: the department tree, memberships, managers, ownership transfer."""
