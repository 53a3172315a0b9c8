"""Moving records in and out: Excel/CSV import with de-duplication, and export."""
