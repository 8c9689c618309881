from __future__ import annotations

from cunzhan.regions.importers import import_regions

DEMO_REGIONS = ("6108", "360734")  # 榆林市 (with 佳县 610828) and 寻乌县


def load_regions(ctx) -> None:
    for code in DEMO_REGIONS:
        summary = import_regions(only=code)
        ctx.write(f"行政区划 {code}：新增 {summary.created} 条")
