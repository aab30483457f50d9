"""The qTest Manager v3 simulator: a project's fields, test design and execution, as strict as the official API description."""
