"""The public breach record in the demo: the bundled portal exports (``data/``), imported once
through the same service an operator uses. Importing them again changes nothing."""

from __future__ import annotations

from pathlib import Path

from hipaaops.core.demo import DemoContext, register

BUNDLED = Path(__file__).resolve().parent / "data"


def bundled_files() -> list[Path]:
    return sorted(BUNDLED.glob("*.csv"))


@register(5, "breaches")
def load_breaches(ctx: DemoContext) -> None:
    from hipaaops.breaches import services
    from hipaaops.breaches.models import PublicBreach

    done = set(PublicBreach.objects.values_list("source", flat=True).distinct())
    for path in bundled_files():
        if path.name not in done:
            services.import_file(path)
