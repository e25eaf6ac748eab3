"""Retention Radar: landing validation, loading and pipeline helpers."""
