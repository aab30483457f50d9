"""Schemas of the request bodies the Zephyr simulator accepts: creates and updates."""
