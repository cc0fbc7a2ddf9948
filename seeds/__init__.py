"""Seed data: the initial catalogue and settings, and the demo-data generator."""
