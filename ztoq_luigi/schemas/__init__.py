"""Marshmallow schemas for every external payload: Zephyr responses and qTest responses."""
