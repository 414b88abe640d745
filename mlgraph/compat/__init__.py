"""The wire protocols of other systems (MLflow, DataHub, OpenLineage), each turned into
mlgraph's own proposals and reads — one write path, no second store."""
