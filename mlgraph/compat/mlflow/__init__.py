"""MLflow: the URN rules shared by the MLflow-compatible API and the MLflow connector."""
