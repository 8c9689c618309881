"""Stations: the registry record, its people, county parameters, norm exemptions, the lifecycle
events, and the public assets with their fault reports. Data and invariants only; every write
goes through :mod:`cunzhan.stations.services`."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from cunzhan.stations.norms import NormRule


class Tier(models.TextChoices):
    COUNTY_CENTRE = "county", _("县级运营中心")
    TOWNSHIP = "township", _("乡镇服务站")
    VILLAGE = "village", _("村级服务点")


class Status(models.TextChoices):
    APPLIED = "applied", _("申请")
    PRELIMINARY_REVIEW = "preliminary_review", _("运营单位初审")
    COUNTY_REVIEW = "county_review", _("县级审核")
    PUBLICITY = "publicity", _("公示")
    CERTIFIED = "certified", _("认定授牌")
    INCUBATION = "incubation", _("培育期")
    OPERATING = "operating", _("运营")
    RECTIFYING = "rectifying", _("整改")
    REVOKED = "revoked", _("撤销")
    CLOSED = "closed", _("关停")


# stations that hold a certification and appear in the public directory and upward reports
CERTIFIED_STATUSES = (Status.CERTIFIED, Status.INCUBATION, Status.OPERATING, Status.RECTIFYING)
# stations that exist on the ground (count towards "one per village / township")
ENDED_STATUSES = (Status.REVOKED, Status.CLOSED)


class OperatingUnit(models.Model):
    """运营单位 / 承办企业: runs the stations of one county; several may serve the same county, each
    seeing only its own stations. Managed by the county office (:mod:`cunzhan.stations.units`)."""

    name = models.CharField(_("名称"), max_length=128)
    county = models.ForeignKey("regions.Region", verbose_name=_("所在县"), on_delete=models.PROTECT)
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, blank=True)
    contact_person = models.CharField(_("联系人"), max_length=32, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    # the agreement (承办协议) with the county
    agreement_start = models.DateField(_("协议开始"), null=True, blank=True)
    agreement_end = models.DateField(_("协议终止"), null=True, blank=True)
    # a deactivated unit keeps its rows and its stations' history; it takes no new stations
    is_active = models.BooleanField(_("有效"), default=True)
    deactivated_at = models.DateTimeField(_("停用时间"), null=True, blank=True, editable=False)
    deactivated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("停用人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    deactivation_reason = models.CharField(_("停用理由"), max_length=255, blank=True, editable=False)
    is_demo = models.BooleanField(_("演示数据"), default=False)
    # optimistic concurrency, as for stations (units.unit_update)
    version = models.PositiveIntegerField(_("版本"), default=0, editable=False)
    edited_at = models.DateTimeField(_("最近编辑时间"), null=True, blank=True, editable=False)
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("最近编辑人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )

    class Meta:
        verbose_name = _("运营单位")
        verbose_name_plural = _("运营单位")
        ordering = ["county_id", "name"]
        constraints = [models.UniqueConstraint(fields=["county", "name"], name="operating_unit_unique_name")]

    def __str__(self) -> str:
        return self.name


class Station(models.Model):
    """A service station: the registry record the norms are checked against."""

    code = models.CharField(_("站点编码"), max_length=32, unique=True)
    name = models.CharField(_("站点名称"), max_length=128)
    # Jiangxi 第七条4: the standard signboard text, e.g. 江西电商扶贫工程××村服务点
    signboard_name = models.CharField(_("牌匾名称"), max_length=128, blank=True)
    tier = models.CharField(_("层级"), max_length=16, choices=Tier.choices)
    region = models.ForeignKey("regions.Region", verbose_name=_("服务区域"), on_delete=models.PROTECT)
    county_code = models.CharField(_("县级区划代码"), max_length=6, db_index=True, editable=False)
    operating_unit = models.ForeignKey(
        OperatingUnit,
        verbose_name=_("运营单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="stations",
    )
    status = models.CharField(_("状态"), max_length=24, choices=Status.choices, default=Status.APPLIED)
    is_demo = models.BooleanField(_("演示数据"), default=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    # the newest ledger entry's recorded time; the ledgers keep it current, zombie detection reads it
    last_activity_at = models.DateTimeField(_("最近台账活动"), null=True, blank=True, db_index=True)
    # optimistic concurrency: each edit of the details moves the version on, and an edit made from
    # an older version is refused (services.station_update); who and when go into the refusal
    version = models.PositiveIntegerField(_("版本"), default=0, editable=False)
    edited_at = models.DateTimeField(_("最近编辑时间"), null=True, blank=True, editable=False)
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("最近编辑人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )

    # site
    address = models.CharField(_("经营地址"), max_length=255, blank=True)
    longitude = models.DecimalField(
        _("经度"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(-180)), MaxValueValidator(Decimal(180))],
    )
    latitude = models.DecimalField(
        _("纬度"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(-90)), MaxValueValidator(Decimal(90))],
    )
    usable_area = models.DecimalField(
        _("实际使用面积（㎡）"),
        max_digits=9,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0))],
    )
    resident_population = models.PositiveIntegerField(_("服务常住人口"), null=True, blank=True)
    poor_share = models.DecimalField(
        _("建档立卡贫困人口占比（%）"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
    )
    platforms = models.CharField(_("合作平台"), max_length=255, blank=True)

    # required equipment (Jiangxi 第七条2、3)
    has_broadband = models.BooleanField(_("宽带网络"), default=False)
    has_terminal = models.BooleanField(_("电脑/显示设备或移动终端"), default=False)
    has_shelves = models.BooleanField(_("货架"), default=False)
    has_display_cabinet = models.BooleanField(_("展示柜"), default=False)
    has_parcel_facilities = models.BooleanField(_("快递收发设施"), default=False)

    # public notice (Jiangxi 第十条3); shown in the public directory
    opening_hours = models.CharField(_("营业时间"), max_length=128, blank=True)
    service_items = models.TextField(_("服务项目"), blank=True)
    key_processes = models.TextField(_("重点服务流程"), blank=True)
    service_promise = models.TextField(_("服务承诺"), blank=True)
    fees = models.TextField(_("收费标准"), blank=True)
    complaint_channel = models.CharField(_("监督投诉渠道"), max_length=255, blank=True)
    contact_phone = models.CharField(_("联系电话（公开）"), max_length=32, blank=True)

    # lifecycle
    status_changed_at = models.DateTimeField(_("状态变更时间"), null=True, blank=True)
    publicity_started_at = models.DateTimeField(_("公示开始"), null=True, blank=True)
    # the assessment's incubation (培育期) counts from here
    certified_at = models.DateTimeField(_("认定授牌时间"), null=True, blank=True, db_index=True)
    # 历史导入: brought in its status by an import (the event says who and from which file); the system
    # knows nothing of its ledgers before, so the zombie clock starts here, not at the certification
    imported_at = models.DateTimeField(_("历史导入时间"), null=True, blank=True, editable=False)
    agreement_no = models.CharField(_("合作协议编号"), max_length=64, blank=True)
    agreement_start = models.DateField(_("协议开始"), null=True, blank=True)
    agreement_end = models.DateField(_("协议终止"), null=True, blank=True)

    class Meta:
        verbose_name = _("服务站")
        verbose_name_plural = _("服务站")
        ordering = ["code"]
        indexes = [models.Index(fields=["county_code", "status"])]

    def __str__(self) -> str:
        return self.name

    @property
    def is_certified(self) -> bool:
        return self.status in CERTIFIED_STATUSES


class ResponsiblePerson(models.Model):
    """站点负责人员 (Jiangxi 第九条): personal data, never shown publicly."""

    station = models.ForeignKey(Station, verbose_name=_("服务站"), on_delete=models.CASCADE, related_name="people")
    name = models.CharField(_("姓名"), max_length=32)
    phone = models.CharField(_("手机号"), max_length=20, blank=True)
    pre_job_training_days = models.DecimalField(
        _("岗前培训累计天数"),
        max_digits=5,
        decimal_places=1,
        default=Decimal(0),
        validators=[MinValueValidator(Decimal(0))],
    )
    yearly_trainings = models.PositiveSmallIntegerField(_("本年度参加培训次数"), default=0)
    is_primary = models.BooleanField(_("主要负责人"), default=True)
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("站点负责人员")
        verbose_name_plural = _("站点负责人员")
        ordering = ["station_id", "-is_primary", "pk"]

    def __str__(self) -> str:
        return self.name


class CountySettings(models.Model):
    """A county's parameters for the station norms and lifecycle (defaults from DOMAIN.md)."""

    county = models.OneToOneField(
        "regions.Region",
        verbose_name=_("县"),
        on_delete=models.PROTECT,
        primary_key=True,
        related_name="station_settings",
    )
    area_county_centre = models.DecimalField(
        _("县级运营中心最小面积（㎡）"), max_digits=8, decimal_places=2, default=Decimal(200)
    )
    area_township = models.DecimalField(
        _("乡镇服务站最小面积（㎡）"), max_digits=8, decimal_places=2, default=Decimal(20)
    )
    area_village = models.DecimalField(
        _("村级服务点最小面积（㎡）"), max_digits=8, decimal_places=2, default=Decimal(10)
    )
    min_population = models.PositiveIntegerField(_("最少服务常住人口"), default=300)
    min_poor_share = models.DecimalField(
        _("贫困人口占比须高于（%）"), max_digits=5, decimal_places=2, default=Decimal(0)
    )
    min_training_days = models.DecimalField(_("岗前培训最少天数"), max_digits=4, decimal_places=1, default=Decimal(3))
    min_yearly_trainings = models.PositiveSmallIntegerField(_("每年最少培训次数"), default=2)
    publicity_days = models.PositiveSmallIntegerField(_("公示天数"), default=7)
    incubation_months = models.PositiveSmallIntegerField(_("培育期（月）"), default=6)
    zombie_days = models.PositiveSmallIntegerField(_("僵尸站点判定天数"), default=90)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("县级站点参数")
        verbose_name_plural = _("县级站点参数")

    def __str__(self) -> str:
        return str(self.county_id)

    @classmethod
    def for_county(cls, county_code: str) -> CountySettings:
        """The county's saved parameters, or the defaults (unsaved) when it has none."""
        return cls.objects.filter(county_id=county_code).first() or cls(county_id=county_code)

    def min_area(self, tier: str) -> Decimal:
        return {
            Tier.COUNTY_CENTRE: self.area_county_centre,
            Tier.TOWNSHIP: self.area_township,
            Tier.VILLAGE: self.area_village,
        }[Tier(tier)]


class ExemptionBasis(models.TextChoices):
    DEEP_POVERTY = "deep_poverty", _("深度贫困地区")
    WEAK_VILLAGE = "weak_village", _("基础薄弱乡村")
    LAYOUT = "layout", _("布局需要（同一区域多站点）")
    OTHER = "other", _("其他")


class NormExemption(models.Model):
    """A relaxed norm (适当放宽, Jiangxi 第十一条4) granted to one station: recorded, never silent."""

    station = models.ForeignKey(Station, verbose_name=_("服务站"), on_delete=models.CASCADE, related_name="exemptions")
    rule = models.CharField(_("规范条目"), max_length=32, choices=NormRule.choices)
    basis = models.CharField(_("放宽依据"), max_length=16, choices=ExemptionBasis.choices)
    reason = models.TextField(_("理由"))
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("批准人"), on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(_("批准时间"))
    withdrawn_at = models.DateTimeField(_("撤回时间"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("撤回人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("规范放宽")
        verbose_name_plural = _("规范放宽")
        ordering = ["station_id", "rule", "-approved_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["station", "rule"],
                condition=models.Q(withdrawn_at__isnull=True),
                name="norm_exemption_one_active_per_rule",
            )
        ]

    def __str__(self) -> str:
        return f"{self.station_id}:{self.rule}"


class StationEvent(models.Model):
    """One lifecycle step: who moved the station from which state to which, when and why."""

    station = models.ForeignKey(Station, verbose_name=_("服务站"), on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(_("原状态"), max_length=24, choices=Status.choices, blank=True)
    to_status = models.CharField(_("新状态"), max_length=24, choices=Status.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    at = models.DateTimeField(_("时间"), db_index=True)
    reason = models.TextField(_("理由"), blank=True)
    data = models.JSONField(_("附加信息"), default=dict, blank=True)

    class Meta:
        verbose_name = _("站点状态记录")
        verbose_name_plural = _("站点状态记录")
        ordering = ["station_id", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.station_id}: {self.from_status} → {self.to_status}"


class AssetKind(models.TextChoices):
    COMPUTER = "computer", _("电脑")
    DISPLAY = "display", _("显示屏")
    BACKGROUND_WALL = "background_wall", _("形象背景墙")
    DESKS_CHAIRS = "desks_chairs", _("办公桌椅")
    DOOR_SIGN = "door_sign", _("门牌")
    RULES_BOARD = "rules_board", _("制度牌")
    ROUTER = "router", _("路由器")
    SHELVES = "shelves", _("货架")
    DISPLAY_CABINET = "display_cabinet", _("展示柜")
    PRINTER = "printer", _("打印机")
    OTHER = "other", _("其他")


# fixed to the building: not carried back on revocation (the sign is taken down, see DOMAIN.md)
FIXED_ASSET_KINDS = (AssetKind.BACKGROUND_WALL,)


class AssetCondition(models.TextChoices):
    GOOD = "good", _("完好")
    FAULTY = "faulty", _("故障")
    SCRAPPED = "scrapped", _("报废")
    RETURNED = "returned", _("已收回")


class PublicAsset(models.Model):
    """A publicly funded item at a station (Jia 第四条一): it belongs to the public."""

    station = models.ForeignKey(Station, verbose_name=_("服务站"), on_delete=models.PROTECT, related_name="assets")
    kind = models.CharField(_("类别"), max_length=24, choices=AssetKind.choices)
    name = models.CharField(_("名称/型号"), max_length=128, blank=True)
    quantity = models.PositiveSmallIntegerField(_("数量"), default=1)
    serial_no = models.CharField(_("资产编号"), max_length=64, blank=True)
    condition = models.CharField(_("状况"), max_length=16, choices=AssetCondition.choices, default=AssetCondition.GOOD)
    movable = models.BooleanField(_("可移动（撤销时收回）"), default=True)
    acquired_on = models.DateField(_("配发日期"), null=True, blank=True)
    note = models.CharField(_("备注"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("公共资产")
        verbose_name_plural = _("公共资产")
        ordering = ["station_id", "kind", "pk"]

    def __str__(self) -> str:
        return self.name or self.get_kind_display()


class FaultReport(models.Model):
    """报修: a fault on a public asset, open until repaired. The assessment reads how long it stayed open."""

    station = models.ForeignKey(Station, verbose_name=_("服务站"), on_delete=models.CASCADE, related_name="faults")
    asset = models.ForeignKey(PublicAsset, verbose_name=_("资产"), on_delete=models.CASCADE, related_name="faults")
    description = models.TextField(_("故障描述"))
    stops_operation = models.BooleanField(_("影响正常营业"), default=False)
    reported_at = models.DateTimeField(_("报修时间"), db_index=True)
    # empty when transcribed from a paper form rather than reported by an account
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("报修人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    repaired_at = models.DateTimeField(_("修复时间"), null=True, blank=True)
    repaired_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("修复登记人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    repair_note = models.CharField(_("维修说明"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("报修记录")
        verbose_name_plural = _("报修记录")
        ordering = ["-reported_at"]

    def __str__(self) -> str:
        return f"{self.asset} @ {self.reported_at:%Y-%m-%d}"

    @property
    def is_open(self) -> bool:
        return self.repaired_at is None


class AssetReturn(models.Model):
    """One line of the asset-return checklist produced when a station is revoked or closed."""

    station = models.ForeignKey(
        Station, verbose_name=_("服务站"), on_delete=models.CASCADE, related_name="asset_returns"
    )
    asset = models.ForeignKey(PublicAsset, verbose_name=_("资产"), on_delete=models.PROTECT, related_name="returns")
    event = models.ForeignKey(
        StationEvent, verbose_name=_("撤销记录"), on_delete=models.PROTECT, related_name="asset_returns"
    )
    created_at = models.DateTimeField(_("列入清单时间"))
    returned_at = models.DateTimeField(_("收回时间"), null=True, blank=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("接收登记人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    note = models.CharField(_("备注"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("资产收回清单")
        verbose_name_plural = _("资产收回清单")
        ordering = ["station_id", "pk"]
        constraints = [models.UniqueConstraint(fields=["event", "asset"], name="asset_return_once_per_event")]

    def __str__(self) -> str:
        return f"{self.asset} ({self.station_id})"
