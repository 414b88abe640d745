"""The `mlgraph` command line: thin wrappers over the SDK and the services."""
