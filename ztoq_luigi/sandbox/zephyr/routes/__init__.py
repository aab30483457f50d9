"""The HTTP routes of the Zephyr simulator: reads, creates and updates."""
