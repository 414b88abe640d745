"""Other systems, one folder each: a peer's URN rules, its mapping onto the catalog,
the server side of its wire protocol (so its own clients talk to mlgraph) and its pull
source. Every write still goes through `WriteService`; no second store."""
