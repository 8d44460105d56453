"""Verifiable case files (卷宗): a PDF for people and a ZIP for machines, checked offline by
``zhifa verify-archive`` (chain, replay on the bundled process versions — each step on the one in force then —,
every member's SHA-256)."""
