from __future__ import annotations

from typing import ClassVar

from mlgraph.model.fields import Record


class Aspect(Record):
    """A named, separately versioned document attached to an entity."""

    ASPECT_NAME: ClassVar[str]
