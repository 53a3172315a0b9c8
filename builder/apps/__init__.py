"""The app block: a named container of forms, views and flows."""
