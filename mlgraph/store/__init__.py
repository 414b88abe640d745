"""Persistence: tables, engines, migrations and the aspect store. No domain rules here."""
