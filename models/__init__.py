"""Records (jobs, documents, outbox, audit) and their SQLite storage."""
