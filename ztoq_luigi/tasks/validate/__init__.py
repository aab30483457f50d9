"""Validate: what qTest holds, read back and compared with what was sent."""
