"""Transform: stored Zephyr payloads into qTest payloads, through the pure functions of mapping/."""
