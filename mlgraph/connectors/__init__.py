"""Ingestion sources: each pulls metadata from another system and writes it through the
SDK as proposals, the same path every other write takes. One subpackage per source."""
