"""Permissions: rights of a person on a form (union of roles), row scopes, field access,
the public pool. Everything that decides who sees or changes what lives here."""
