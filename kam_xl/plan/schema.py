"""The HQ workbook's plan sheets: their columns and Account fields, with headers in both languages."""

from __future__ import annotations

from dataclasses import dataclass

from kam_xl.lang.words import fold


@dataclass(frozen=True)
class Column:
    """One column of a plan table (or one field of the Account sheet).

    kind: text, long_text, number, int, percent, date, email, emails, enum, enum_list,
    list, yes_no. `enum` names the list of kam_xl.lang.words.ENUMS for enum kinds.
    """

    key: str
    en: str
    zh: str
    kind: str = "text"
    width: float = 14
    required: bool = False
    lo: float | None = None
    hi: float | None = None
    enum: str | None = None
    hint_en: str = ""
    hint_zh: str = ""

    def header(self, lang: str) -> str:
        return self.en if lang == "en" else self.zh

    def hint(self, lang: str) -> str:
        return self.hint_en if lang == "en" else self.hint_zh

    def matches(self, header: object) -> bool:
        folded = fold(str(header or ""))
        return folded in (fold(self.en), fold(self.zh), fold(self.key))


C = Column

NEEDS = (
    C("id", "Need ID", "需求编号", required=True, width=10),
    C("need", "Need / issue", "需求/问题", "long_text", 40, required=True),
    C("category", "Category", "类别", "enum", 14, required=True, enum="need_category"),
    C("priority", "Priority", "优先级", "enum", 10, enum="priority"),
    C(
        "answer",
        "Our answer (program IDs)",
        "我们的方案（活动编号）",
        "list",
        22,
        hint_en="comma-separated program IDs",
        hint_zh="用逗号分隔的活动编号",
    ),
    C("value", "Value to the retailer", "对零售商的价值", "long_text", 40),
)

OBJECTIVES = (
    C("id", "KPI ID", "指标编号", required=True, width=9),
    C("name", "KPI", "指标名称", required=True, width=24),
    C("unit", "Unit", "单位", width=9),
    C("type", "Type", "类型", "enum", 9, required=True, enum="kpi_type"),
    C("measure", "Measure", "数据来源", "enum", 20, required=True, enum="measure"),
    C("direction", "Direction", "方向", "enum", 16, enum="direction"),
    C("hq_target", "HQ target (sum KPIs)", "总部目标（累计指标）", "number", 16, lo=0, hi=1e12),
    C("target_a", "Target tier A (rate KPIs)", "A级门店目标（比率）", "percent", 13, lo=0, hi=10),
    C("target_b", "Target tier B (rate KPIs)", "B级门店目标（比率）", "percent", 13, lo=0, hi=10),
    C("target_c", "Target tier C (rate KPIs)", "C级门店目标（比率）", "percent", 13, lo=0, hi=10),
    C("basis", "Allocation basis", "分配依据", "enum", 17, enum="basis"),
    C("min_growth", "Min growth vs baseline", "相对基线最低增长", "percent", 13, lo=-1, hi=10),
    C("max_growth", "Max growth vs baseline", "相对基线最高增长", "percent", 13, lo=-1, hi=10),
    C("weight", "Weight in score", "记分权重", "percent", 10, required=True, lo=0, hi=1),
    C("cap", "Cap", "封顶", "percent", 9, lo=0, hi=5),
    C("green", "Green from", "绿灯阈值", "percent", 10, lo=0, hi=5),
    C("amber", "Amber from", "黄灯阈值", "percent", 10, lo=0, hi=5),
    C("group", "Group", "分组", "enum", 11, required=True, enum="kpi_group"),
)

PROGRAMS = (
    C("id", "Program ID", "活动编号", required=True, width=10),
    C("name", "Program", "活动名称", required=True, width=26),
    C("type", "Type", "类型", "enum", 12, required=True, enum="program_type"),
    C("start", "Start", "开始日期", "date", 12, required=True),
    C("end", "End", "结束日期", "date", 12, required=True),
    C(
        "tiers",
        "Store tiers",
        "适用门店级别",
        "list",
        12,
        hint_en="A, B, C or blank for all",
        hint_zh="A、B、C，留空表示全部",
    ),
    C(
        "regions",
        "Regions",
        "适用大区",
        "list",
        18,
        hint_en="blank for all",
        hint_zh="留空表示全部",
    ),
    C(
        "formats",
        "Formats",
        "适用业态",
        "enum_list",
        18,
        enum="format",
        hint_en="blank for all",
        hint_zh="留空表示全部",
    ),
    C("cost_per_store", "Cost per store", "单店费用", "number", 13, lo=0, hi=1e9),
    C("uplift", "Expected uplift", "预期提升", "percent", 11, lo=-1, hi=10),
    C("benefit", "Store benefit", "门店收益", "long_text", 40),
    C("kpi", "Linked KPI", "关联指标", width=10),
    C("need", "Linked need", "关联需求", width=10),
)

COMPETITION = (
    C("name", "Competitor", "竞争对手", required=True, width=18),
    C("share", "Estimated share", "估计份额", "percent", 12, lo=0, hi=1),
    C("strategy", "Their strategy", "对手策略", "long_text", 40),
    C("response", "Our response", "我们的应对", "long_text", 40),
    C("kpi", "KPI that watches it", "监控指标", width=12),
    C("main", "Main competitor", "主要竞争对手", "yes_no", 12, enum="yes_no"),
)

STORES = (
    C("store_id", "Store ID", "门店编号", required=True, width=11),
    C("name", "Store", "门店名称", required=True, width=28),
    C("city", "City", "城市", required=True, width=11),
    C("region", "Region", "大区", required=True, width=11),
    C("city_tier", "City tier", "城市级别", "enum", 11, enum="city_tier"),
    C("store_tier", "Store tier", "门店级别", "enum", 9, required=True, enum="store_tier"),
    C("format", "Format", "业态", "enum", 14, required=True, enum="format"),
    C("sr_id", "SR ID", "业务代表编号", required=True, width=10),
    C("sr_name", "SR name", "业务代表", required=True, width=12),
    C("sr_email", "SR e-mail", "业务代表邮箱", "email", 26, required=True),
    C("manager", "Store manager", "店长", width=12),
    C("manager_email", "Store manager e-mail", "店长邮箱", "email", 26),
    C(
        "base_units",
        "Baseline units / week",
        "周基线销量",
        "number",
        12,
        required=True,
        lo=0,
        hi=1e6,
    ),
    C(
        "base_value",
        "Baseline value / week",
        "周基线销售额",
        "number",
        14,
        required=True,
        lo=0,
        hi=1e10,
    ),
    C(
        "category_units",
        "Category units / week (all brands)",
        "品类周销量（全部品牌）",
        "number",
        14,
        required=True,
        lo=0,
        hi=1e7,
    ),
    C("weight_override", "Weight override", "权重调整", "number", 11, lo=0, hi=1e9),
    C("active", "Active", "启用", "yes_no", 8, required=True, enum="yes_no"),
    C(
        "retailer_code",
        "Retailer store code",
        "零售商门店编码",
        width=14,
        hint_en="the store's code in the retailer's reports (kam import)",
        hint_zh="零售商报表中的门店编码（kam import 使用）",
    ),
)

CALENDAR = (
    C("id", "Week", "周", required=True, width=9),
    C("start", "Start", "开始日期", "date", 12, required=True),
    C("end", "End", "结束日期", "date", 12, required=True),
    C("month", "Month", "月份", width=10),
    C("season_weight", "Season weight", "季节系数", "number", 11, required=True, lo=0, hi=100),
    C("note", "Note (holiday)", "备注（节假日）", width=22),
)

EVIDENCE = (
    C("level", "Relationship level", "关系层级", "enum", 20, required=True, enum="relationship"),
    C("evidence", "Evidence", "证据", "long_text", 60, required=True),
    C("met", "Met", "已满足", "yes_no", 9, required=True, enum="yes_no"),
)

ACCOUNT = (
    C("name", "Account (retailer)", "客户（零售商）", required=True),
    C("supplier", "Supplier brand", "供应商品牌", required=True),
    C("period_start", "Plan period start", "计划开始日期", "date", required=True),
    C("period_end", "Plan period end", "计划结束日期", "date", required=True),
    C("currency", "Currency", "币种", required=True),
    C("kam_name", "KAM name", "大客户经理", required=True),
    C("kam_email", "KAM e-mail", "大客户经理邮箱", "email", required=True),
    C(
        "management_emails",
        "Management e-mail(s)",
        "管理层邮箱",
        "emails",
        hint_en="separate several with commas",
        hint_zh="多个邮箱用逗号分隔",
    ),
    C(
        "margin_per_unit",
        "Our margin per unit",
        "我方单台毛利",
        "number",
        required=True,
        lo=0,
        hi=1e7,
    ),
    C("retailer_margin", "Retailer margin %", "零售商毛利率", "percent", required=True, lo=0, hi=1),
    C(
        "relationship_now",
        "Relationship level now",
        "当前关系层级",
        "enum",
        required=True,
        enum="relationship",
    ),
    C(
        "relationship_target",
        "Relationship level target",
        "目标关系层级",
        "enum",
        required=True,
        enum="relationship",
    ),
    C("tier_factor_a", "Tier factor A", "A级系数", "number", required=True, lo=0, hi=100),
    C("tier_factor_b", "Tier factor B", "B级系数", "number", required=True, lo=0, hi=100),
    C("tier_factor_c", "Tier factor C", "C级系数", "number", required=True, lo=0, hi=100),
    C(
        "execution_threshold",
        "Execution threshold (quadrant)",
        "执行达标线（四象限）",
        "percent",
        lo=0,
        hi=1,
    ),
    C("score_green", "Score green from", "总分绿灯阈值", "percent", lo=0, hi=5),
    C("score_amber", "Score amber from", "总分黄灯阈值", "percent", lo=0, hi=5),
    C("visits_a", "Visits a week, tier A stores", "A级门店每周拜访次数", "number", lo=0, hi=21),
    C("visits_b", "Visits a week, tier B stores", "B级门店每周拜访次数", "number", lo=0, hi=21),
    C("visits_c", "Visits a week, tier C stores", "C级门店每周拜访次数", "number", lo=0, hi=21),
    C("sr_capacity", "SR visit capacity (visits a week)", "业务代表拜访能力（每周次数）", "number", lo=0, hi=200),
    C("strategy", "Retailer strategy and plans", "零售商战略与计划", "long_text"),
    C("value_proposition", "Our value proposition", "我们的价值主张", "long_text"),
)

# Account rows added after workbooks were made: a workbook without them uses the defaults (model/plan.py).
ACCOUNT_ADDED = ("visits_a", "visits_b", "visits_c", "sr_capacity")

TABLES: dict[str, tuple[Column, ...]] = {
    "needs": NEEDS,
    "objectives": OBJECTIVES,
    "programs": PROGRAMS,
    "competition": COMPETITION,
    "stores": STORES,
    "calendar": CALENDAR,
}

# Rows of room left below the data of each table in a new workbook.
SPARE_ROWS = {
    "needs": 20,
    "objectives": 10,
    "programs": 30,
    "competition": 10,
    "stores": 200,
    "calendar": 60,
}
