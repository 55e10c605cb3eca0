"""What `kam validate` says about a plan (kam_xl.plan.reader and checks), in English and Chinese."""

from __future__ import annotations

CHECKS: dict[str, tuple[str, str]] = {
    # reading the cells and tables (kam_xl.plan.reader)
    "parse": ("{header}: {reason}{allowed}", "{header}：{reason}{allowed}"),
    "allowed": ("; allowed: {values}", "；可选：{values}"),
    "required": ("{header} is required", "必须填写{header}"),
    "between": ("{header} must be between {lo} and {hi}", "{header}必须在 {lo} 到 {hi} 之间"),
    "uncalculated": (
        "the formula {formula} was saved without its result (by a program that does not calculate) — open the "
        "workbook in Excel or LibreOffice and save it, or type the value",
        "公式 {formula} 保存时没有计算结果（保存它的程序不计算公式）——"
        "请在 Excel 或 LibreOffice 中打开并保存工作簿，或直接填写数值",
    ),
    "sheet_missing": ("sheet is missing", "缺少此工作表"),
    "column_missing": ("column '{header}' is missing", "缺少“{header}”列"),
    "row_missing": ("row '{header}' is missing", "缺少“{header}”行"),
    "evidence_missing": ("the relationship evidence table is missing", "缺少关系阶梯证据表"),
    # the account
    "period_reversed": ("the plan period ends before it starts", "计划期的结束日期早于开始日期"),
    "score_thresholds": (
        "the score's amber threshold is above its green threshold",
        "总分的黄灯阈值高于绿灯阈值",
    ),
    "tier_factor": ("tier factor {tier} must be above 0", "门店级别 {tier} 的系数必须大于0"),
    "relationship_down": ("the target relationship level is below the current one", "目标客户关系层级低于当前层级"),
    "no_evidence": ("no evidence is listed for the level '{level}'", "“{level}”层级没有列出任何证据"),
    # duplicates and stores
    "duplicate": ("duplicate: the same as {cell}", "重复：与 {cell} 相同"),
    "no_active_store": ("no store is active", "没有在营门店"),
    "no_stores": ("the plan has no stores", "计划中没有门店"),
    "category_below": (
        "category units (all brands) are below our own baseline units",
        "品类销量（所有品牌）低于我方基线销量",
    ),
    "share_odd": ("our share would be {share}; check the category units", "我方份额将为{share}，请检查品类销量"),
    "base_zero": ("baseline units are 0: the store gets no target", "基线销量为0：该门店没有目标"),
    "sr_other_email": ("SR {sr} has another e-mail at {cell}", "业务代表 {sr} 在 {cell} 的邮箱不同"),
    "sr_other_name": ("SR {sr} has another name at {cell}", "业务代表 {sr} 在 {cell} 的姓名不同"),
    "needs_weight": (
        "KPI {kpi} is allocated by manual weight: this store needs a weight",
        "指标 {kpi} 按手动权重分配：该门店需要填写权重",
    ),
    "weight_unused": (
        "weight overrides are only used by KPIs whose allocation basis is 'Manual'",
        "手动权重只用于分配依据为“手动”的指标",
    ),
    "capacity": (
        "SR {sr}'s stores need {visits} visits a week by the coverage plan, more than the {capacity} an SR can make "
        "(Account: SR visit capacity): give stores to another SR, or lower a tier's visits a week",
        "按拜访计划，业务代表 {sr} 的门店每周需要{visits}次拜访，超过每位业务代表可完成的{capacity}次"
        "（客户概况：业务代表拜访能力）：请把部分门店分给其他业务代表，或降低某一级别的每周拜访次数",
    ),
    # objectives and feasibility
    "no_kpis": ("the plan has no KPIs", "计划中没有指标"),
    "weights_sum": ("KPI weights add up to {total}, not 100%", "指标权重合计为{total}，不是100%"),
    "kpi_thresholds": ("the amber threshold is above the green threshold", "黄灯阈值高于绿灯阈值"),
    "same_measure": ("two KPIs use the same measure (see {cell})", "两个指标使用同一衡量项（见 {cell}）"),
    "sum_measure": ("a sum KPI must measure sell-out units or value", "累计型指标必须衡量销量或销售额"),
    "sum_target": ("a sum KPI needs an HQ target", "累计型指标需要总部目标"),
    "sum_basis": ("a sum KPI needs an allocation basis", "累计型指标需要分配依据"),
    "growth_reversed": ("min growth is above max growth", "最低增长高于最高增长"),
    "rate_measure": ("a rate KPI must measure a rate (share or execution)", "比率型指标必须衡量比率（份额或执行）"),
    "rate_target": ("a rate KPI needs a target for tier {tier}", "比率型指标需要 {tier} 级门店的目标"),
    "cap_low": ("a cap below 100% means no store can reach full marks", "上限低于100%意味着没有门店能拿满分"),
    "not_execution": ("sell-out is a result, not execution", "销量是结果，不是执行"),
    "target_over_max": (
        "the HQ target needs {growth} growth but max growth allows at most {most}",
        "总部目标需要{growth}的增长，但最高增长最多只允许{most}",
    ),
    "target_under_min": (
        "the HQ target is below what min growth requires ({least})",
        "总部目标低于最低增长的要求（{least}）",
    ),
    "target_odd": ("the HQ target means {growth} vs baseline", "总部目标相对基线为{growth}"),
    # programs, needs, competition, calendar
    "program_reversed": ("the program ends before it starts", "活动的结束日期早于开始日期"),
    "program_outside": (
        "the program is outside the plan period and applies to no store",
        "活动不在计划期内，不适用于任何门店",
    ),
    "unknown_tier": ("unknown store tier '{tier}' (use A, B, C)", "未知的门店级别“{tier}”（请用 A、B、C）"),
    "unknown_region": ("unknown region '{region}': no store is in it", "未知的大区“{region}”：没有门店属于该大区"),
    "unknown_kpi": ("unknown KPI ID", "未知的指标编号"),
    "unknown_need": ("unknown need ID", "未知的需求编号"),
    "unknown_program": ("unknown program ID", "未知的活动编号"),
    "two_mains": ("only one competitor can be the main competitor", "只能有一个主要竞品"),
    "no_main": ("no main competitor is marked", "没有标出主要竞品"),
    "shares_over": ("competitor shares add up to {total}, above 100%", "竞品份额合计为{total}，超过100%"),
    "no_weeks": ("the calendar has no weeks", "日历中没有周"),
    "season_weight": ("the season weight must be above 0", "季节权重必须大于0"),
    "week_reversed": ("the week ends before it starts", "该周的结束日期早于开始日期"),
    "week_overlap": ("the week overlaps the week at {cell}", "该周与 {cell} 的周重叠"),
    "week_gap": ("gap of {days} day(s) after the week at {cell}", "{cell} 的周之后空缺{days}天"),
    "weeks_short": ("the weeks do not cover the whole plan period", "各周没有覆盖整个计划期"),
    "weeks_order": ("weeks are not in date order", "各周没有按日期排序"),
}


def check_text(key: str, lang: str, **values: object) -> str:
    """The validation message `key` in `lang`, filled in with `values`."""
    template = CHECKS[key][0 if lang == "en" else 1]
    return template.format(**values) if values else template
