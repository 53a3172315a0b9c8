"""Roles of an app: role documents (metadata, kind "role") and who holds them."""
