"""zhifa case engine: process versions, case instances, human tasks, timers and the case event log.

The engine knows nothing of HTTP. Every command takes an SQLAlchemy session and leaves committing to
the caller (see :func:`engine.db.transaction`), so one command is one transaction.
"""
