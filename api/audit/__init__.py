"""Auditors' workspace pieces shared by the JSON API and the web pages (wording, access log)."""
