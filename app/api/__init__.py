"""JSON API for phones, /api/v1 (SPEC §6)."""
