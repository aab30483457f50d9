"""The HTTP routes of the qTest simulator, one module per area of the API."""
