"""The Zephyr Scale Cloud v2 simulator: a project served path for path as the official OpenAPI document describes it."""
