"""Extract: Zephyr Scale v2 into the state database, payloads stored exactly as received."""
