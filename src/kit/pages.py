"""The kit's HTML pages from Jinja2 templates (src/kit/templates/), autoescaped: a value is text
unless a template marks it as HTML the kit made itself."""

from __future__ import annotations

from functools import cache
from typing import Any

import jinja2


@cache
def environment() -> jinja2.Environment:
    return jinja2.Environment(autoescape=True, loader=jinja2.PackageLoader("kit", "templates"),
                              undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def render(template: str, **values: Any) -> str:
    return environment().get_template(template).render(**values)
