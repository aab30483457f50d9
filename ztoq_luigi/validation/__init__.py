"""Proving the target matches the source: pure comparisons, run by the validate phase."""
