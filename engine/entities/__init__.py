"""Entities under supervision: registry over parties, 三色赋码 colour codes, 双随机 inspection plans."""
