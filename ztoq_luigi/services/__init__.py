"""What the tasks share, below them: the run's context, exactly-once writes, fields, uploads, look-ups.

Task modules import from here, never from each other's internals, so a
phase's tasks can change without touching another phase.
"""
