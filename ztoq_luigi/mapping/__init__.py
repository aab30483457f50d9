"""Pure functions from stored Zephyr entities to qTest payloads: no I/O, no clock, no database."""
