"""One way to show dates on every page, in both languages: `4 Des 2026`, `4 Des 2026 14.05` (FORMAT_MODULE_PATH).

Only what differs from Django's own locale formats is here; the rest (number separators) comes from Django's.
"""
