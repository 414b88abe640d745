"""REST API: one module per resource, one error shape (`errors.py`)."""
