from __future__ import annotations

from cunzhan.accounts.models import User
from cunzhan.accounts.services import user_create
from cunzhan.core.roles import Role
from cunzhan.regions.models import Region
from cunzhan.stations.models import Station, Tier

DEMO_PASSWORD = "Cunzhan@2026"  # noqa: S105  printed by `make run`: demo accounts only


def _ensure(ctx, acting, *, username, display_name, role, scope_label, **binding) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        user = user_create(
            acting_user=acting,
            username=username,
            display_name=display_name,
            role=role,
            password=DEMO_PASSWORD,
            is_demo=True,
            must_change_password=False,
            **binding,
        )
    else:
        # keep the printed password true on every run, without writing a log line each time
        user.set_password(DEMO_PASSWORD)
        User.objects.filter(pk=user.pk).update(password=user.password, is_active=True, must_change_password=False)
    ctx.logins.append((username, str(Role(role).label), scope_label))
    return user


def load_accounts(ctx) -> None:
    admin = User.objects.filter(username="admin").first()
    if admin is None:
        admin = User(
            username="admin",
            display_name="系统管理员",
            role=Role.ADMIN,
            is_superuser=True,
            is_staff=True,
            is_demo=True,
            must_change_password=False,
        )
        admin.set_password(DEMO_PASSWORD)
        admin.save()
    ctx.logins.append(("admin", str(Role.ADMIN.label), "全部"))
    region = Region.objects.get
    jia, xunwu = region(code="610828"), region(code="360734")
    _ensure(
        ctx,
        admin,
        username="shaanxi",
        display_name="陕西省商务厅",
        role=Role.VIEWER,
        scope_label="陕西省",
        region=region(code="61"),
    )
    _ensure(
        ctx,
        admin,
        username="yulin",
        display_name="榆林市商务局",
        role=Role.VIEWER,
        scope_label="榆林市",
        region=region(code="6108"),
    )
    jia_office = _ensure(
        ctx,
        admin,
        username="jiaxian",
        display_name="佳县电商办",
        role=Role.COUNTY_OFFICE,
        scope_label="佳县",
        region=jia,
    )
    _ensure(
        ctx,
        admin,
        username="xunwu",
        display_name="寻乌县电商办",
        role=Role.COUNTY_OFFICE,
        scope_label="寻乌县",
        region=xunwu,
    )
    _ensure(
        ctx,
        jia_office,
        username="jiaxian_yunying",
        display_name="佳县运营单位",
        role=Role.OPERATOR,
        scope_label=ctx.objects["units"]["610828"].name,
        operating_unit=ctx.objects["units"]["610828"],
    )
    for code, username in (("610828101", "ducha_kengzhen"), ("610828102", "ducha_dianzhen")):
        town = region(code=code)
        _ensure(
            ctx,
            jia_office,
            username=username,
            display_name=f"{town.name}督查员",
            role=Role.SUPERVISOR,
            scope_label=town.name,
            region=town,
        )
    points = Station.objects.filter(county_code="610828", tier=Tier.VILLAGE, is_demo=True).order_by("code")
    for index, station in enumerate(points[:2], start=1):
        _ensure(
            ctx,
            jia_office,
            username=f"zhanzhang{index}",
            display_name=f"{station.region.name}站长",
            role=Role.KEEPER,
            scope_label=station.name,
            station=station,
        )
