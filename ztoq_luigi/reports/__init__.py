"""Human-facing renderings of the migration state: the status screen and the reports."""
