"""DataHub compatibility: DataHub GMS's wire protocol (`api.router`), so DataHub's own
Python clients read and write mlgraph's catalog. See docs/datahub.md."""
