"""The append-only audit log: ``from runtime.audit import service as audit; audit.record(...)``."""
