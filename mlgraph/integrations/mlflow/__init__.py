"""MLflow, both ways: `server/` is the MLflow API mlgraph serves to the `mlflow` client,
`source.py` pulls an MLflow server into the catalog (`mlgraph ingest mlflow`). Both name
MLflow's objects by `urns.py` and map them with `mapping.py`, so they land on the same
entities with the same aspects."""
