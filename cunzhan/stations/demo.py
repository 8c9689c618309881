from __future__ import annotations

from cunzhan.regions.models import Level, Region
from cunzhan.stations.models import OperatingUnit, Station, Status, Tier

COUNTIES = {
    "610828": "佳县农村电商运营有限公司",
    "360734": "寻乌县电商扶贫运营有限公司",
}
VILLAGE_POINTS_PER_TOWNSHIP = 3


def _plan(county: Region) -> list[tuple[Region, Tier, str]]:
    """The county centre, one station per township and a few village points."""
    plan = [(county, Tier.COUNTY_CENTRE, f"{county.name}电子商务公共服务中心")]
    townships = list(Region.objects.filter(parent=county, level=Level.TOWNSHIP))
    plan += [(t, Tier.TOWNSHIP, f"{t.name}电商服务站") for t in townships]
    for township in [t for t in townships if not t.name.endswith("街道")][:3]:
        villages = Region.objects.filter(parent=township)[:VILLAGE_POINTS_PER_TOWNSHIP]
        plan += [(v, Tier.VILLAGE, f"{v.name}电商服务点") for v in villages]
    return plan


def load_stations(ctx) -> None:
    for county_code, unit_name in COUNTIES.items():
        county = Region.objects.get(code=county_code)
        unit, _ = OperatingUnit.objects.get_or_create(
            county=county,
            name=unit_name,
            defaults={"contact_person": "运营负责人", "contact_phone": "09120000000", "is_demo": True},
        )
        ctx.objects.setdefault("units", {})[county_code] = unit
        for seq, (region, tier, name) in enumerate(_plan(county), start=1):
            Station.objects.get_or_create(
                code=f"{county_code}-{seq:04d}",
                defaults={
                    "name": name,
                    "tier": tier,
                    "region": region,
                    "county_code": county_code,
                    "operating_unit": unit,
                    "status": Status.OPERATING,
                    "is_demo": True,
                },
            )
        count = Station.objects.filter(county_code=county_code, is_demo=True).count()
        ctx.write(f"{county.name}：运营单位 1 个，服务站 {count} 个")
