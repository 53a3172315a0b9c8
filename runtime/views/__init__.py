"""Views at run time: a form's records as a table (kanban, calendar, gallery later)."""
