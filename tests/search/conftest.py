"""Search tests run over the demo catalog (fixtures shared with tests/demo)."""

from tests.demo.conftest import demo, sdk

__all__ = ["demo", "sdk"]
