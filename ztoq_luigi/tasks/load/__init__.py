"""Load: transformed payloads into qTest, every object created exactly once."""
