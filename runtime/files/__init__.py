"""Uploaded files of attachment and image fields: storage, checks, guarded download."""
