"""Background jobs: a transactional outbox dispatched to RQ, run once by run key."""
