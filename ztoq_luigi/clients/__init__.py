"""HTTP clients for Zephyr Scale v2 and qTest Manager v3, on one shared base."""
