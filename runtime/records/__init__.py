"""Records: each published form's rows in a table of their own, written by one write path."""
