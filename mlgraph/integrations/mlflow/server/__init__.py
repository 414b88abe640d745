"""The MLflow tracking and model registry API, served by mlgraph for the `mlflow` client."""
