"""Sentences the workbooks show (README, titles, validation messages) in English and Chinese."""

from __future__ import annotations

TEXT: dict[str, tuple[str, str]] = {
    "account_title": ("Account plan", "客户计划"),
    "account_intro": (
        "Yellow cells are yours to fill; everything else is computed or fixed. Dates as YYYY-MM-DD.",
        "黄色单元格由您填写，其余为公式或固定内容。日期请写成 YYYY-MM-DD。",
    ),
    "field": ("Field", "项目"),
    "value": ("Value", "内容"),
    "notes": ("Notes", "说明"),
    "evidence_title": (
        "Relationship ladder: evidence per level (Supplier → Problem solver → Enterprise resource → Partner)",
        "关系阶梯：各层级证据（供货商 → 解决问题者 → 企业资源 → 合作伙伴）",
    ),
    "dv_list": ("Pick a value from the list.", "请从下拉列表中选择。"),
    "dv_number": ("Enter a number between {lo} and {hi}.", "请输入 {lo} 到 {hi} 之间的数字。"),
    "dv_date": ("Enter a date (YYYY-MM-DD).", "请输入日期（YYYY-MM-DD）。"),
    "dv_email": ("Enter an e-mail address.", "请输入邮箱地址。"),
}

# (style, (English, Chinese)) — one line of the README sheet each.
README_LINES: tuple[tuple[str, tuple[str, str]], ...] = (
    ("title", ("kam_xl — key account plan, execution and review", "kam_xl —— 大客户计划、执行与回顾")),
    ("note", (
        "One workbook for the whole loop: the KAM plans here, every store gets its own plan tab, "
        "each sales rep (SR) gets a file with only their stores, and the results come back for review.",
        "一个工作簿完成整个循环：大客户经理在此制定计划，每家门店生成自己的计划页，"
        "每位业务代表（SR）只收到自己门店的文件，结果回收后统一回顾。",
    )),
    ("subtitle", ("1. Account Plan (KAM)", "1. 制定客户计划（大客户经理）")),
    ("wrap", (
        "Fill the yellow cells of Account, Needs, Objectives, Programs, Competition, Stores and Calendar. "
        "Headers are how kam_xl reads the sheets: you may reorder or add columns, but keep the header words.",
        "填写 客户概况、客户需求、目标、活动方案、竞争、门店、日历 各页的黄色单元格。"
        "kam_xl 按表头读取：可以调整列顺序或增加列，但请保留表头文字。",
    )),
    ("wrap", (
        "Check the plan: macro 'validate' or `kam validate BOOK.xlsx`. Every problem is listed as Sheet!Cell: what is wrong.",
        "检查计划：宏 'validate' 或命令 `kam validate BOOK.xlsx`。每个问题都会以“页!单元格：问题”列出。",
    )),
    ("subtitle", ("2. Account Execution (SR, store manager)", "2. 执行客户计划（业务代表、店长）")),
    ("wrap", (
        "'generate' makes one plan tab per store: targets with how they were allocated, the HQ programs for the "
        "store, actions agreed with the store manager, the weekly log and a live review block. Running it again "
        "after the plan changed keeps everything already typed into the tabs.",
        "'generate' 为每家门店生成计划页：目标及其分配依据、适用的总部活动、与店长约定的行动、周报记录和实时回顾。"
        "计划调整后再次运行，已录入的数据全部保留。",
    )),
    ("wrap", (
        "'split' writes one file per SR with only their stores; SRs fill the yellow cells in Excel, WPS or "
        "LibreOffice (no macros needed) and send the file back; 'collect' merges the files into this workbook, "
        "checks every value and logs what it changed or refused in the collect log.",
        "'split' 为每位业务代表生成只含其门店的文件；业务代表在 Excel、WPS 或 LibreOffice 中填写黄色单元格"
        "（无需宏）后发回；'collect' 将文件合并回本工作簿，逐项检查并在回收日志中记录修改与拒收。",
    )),
    ("subtitle", ("3. Account Review (KAM, regional managers, management)", "3. 回顾（大客户经理、大区经理、管理层）")),
    ("wrap", (
        "'review' computes the scorecards (store, SR, region, tier, account), problems and opportunities and a "
        "next-period proposal; 'email' sends each SR, store manager and management their own scorecard.",
        "'review' 计算记分卡（门店、业务代表、大区、门店级别、客户）、问题与机会以及下期建议；"
        "'email' 向每位业务代表、店长和管理层发送各自的记分卡。",
    )),
    ("subtitle", ("Colours", "颜色说明")),
    ("wrap", ("Yellow: cells you fill. Blue: live formulas. White: fixed by the plan.",
              "黄色：需填写。蓝色：实时公式。白色：由计划确定。")),
    ("subtitle", ("Principles the review makes visible", "回顾体现的原则")),
    ("wrap", (
        "See the business from the retailer's side · Fight the competitor, not the battlefield · "
        "Every business is input vs output (ROI) · Behaviour → execution → result.",
        "站在零售商角度看生意 · 打击竞争对手，而不是争夺阵地 · 一切生意都是投入产出（ROI）· 行为 → 执行 → 结果。",
    )),
)

# The relationship evidence checklist of an empty template.
DEFAULT_EVIDENCE: tuple[tuple[str, tuple[str, str]], ...] = (
    ("supplier", ("Orders and deliveries run without disputes", "订单与交付无争议")),
    ("supplier", ("Listed in the retailer's range with agreed terms", "已进入零售商商品目录并签订条款")),
    ("problem_solver", ("We fixed at least one retailer issue this period", "本期至少解决了零售商的一个问题")),
    ("problem_solver", ("Monthly business review held with the buyer", "与采购每月开展业务回顾")),
    ("resource", ("Joint plan agreed with category management", "与品类管理部门共同制定计划")),
    ("resource", ("Retailer uses our data or training for its own staff", "零售商采用我方数据或培训其员工")),
    ("partner", ("Shared targets signed by both top managements", "双方高层签署共同目标")),
    ("partner", ("Joint investment in stores or systems", "在门店或系统上共同投资")),
)


def text(key: str, lang: str) -> str:
    pair = TEXT[key]
    return pair[0] if lang == "en" else pair[1]


# Words of the store tabs.
TAB: dict[str, tuple[str, str]] = {
    "store_plan": ("Store plan", "门店计划"),
    "store_id": ("Store ID", "门店编号"),
    "store": ("Store", "门店"),
    "city_region": ("City · region", "城市 · 大区"),
    "tier_format": ("Store tier · format", "门店级别 · 业态"),
    "agreed_on": ("Plan agreed with the store manager on", "与店长确认计划日期"),
    "manager": ("Store manager", "店长"),
    "manager_email": ("Store manager e-mail", "店长邮箱"),
    "sr": ("SR", "业务代表"),
    "sr_email": ("SR e-mail", "业务代表邮箱"),
    "main_competitor": ("Main competitor", "主要竞争对手"),
    "status": ("Status", "状态"),
    "active": ("Active", "启用"),
    "inactive": ("INACTIVE: no longer in the plan", "已停用：不在当前计划中"),
    "plan_version": ("Plan version", "计划版本"),
    "period": ("Period", "计划周期"),
    "city_tier": ("City tier", "城市级别"),
    "parameters": ("Parameters from the plan", "计划参数"),
    "base_units": ("Baseline units / week", "周基线销量"),
    "base_value": ("Baseline value / week", "周基线销售额"),
    "category_units": ("Category units / week", "品类周销量"),
    "margin": ("Our margin per unit", "我方单台毛利"),
    "retailer_margin": ("Retailer margin %", "零售商毛利率"),
    "baseline_share": ("Baseline share", "基线份额"),
    "execution_threshold": ("Execution threshold", "执行达标线"),
    "score_green": ("Score green from", "总分绿灯阈值"),
    "score_amber": ("Score amber from", "总分黄灯阈值"),
    "targets": ("1. Targets and how they were set", "1. 目标及其分配依据"),
    "kpi": ("KPI", "指标"),
    "name": ("Name", "名称"),
    "target": ("Target", "目标"),
    "unit": ("Unit", "单位"),
    "hq_total": ("HQ total", "总部目标"),
    "basis": ("Basis", "分配依据"),
    "store_weight": ("Store weight", "门店权重"),
    "share_of_total": ("Share of total", "占总量比例"),
    "growth_cap": ("Growth cap", "增长限制"),
    "cap_applied": ("Cap applied", "是否受限"),
    "how_set": ("How it was set", "计算说明"),
    "tier_target": ("target of tier {tier}", "{tier}级门店目标"),
    "programs": ("2. HQ programs for this store", "2. 适用于本店的总部活动"),
    "no_program": ("No HQ program applies to this store.", "没有适用于本店的总部活动。"),
    "program": ("Program", "活动"),
    "type": ("Type", "类型"),
    "start": ("Start", "开始"),
    "end": ("End", "结束"),
    "plan_cost": ("Plan cost", "计划费用"),
    "uplift": ("Expected uplift", "预期提升"),
    "prog_status": ("Status", "状态"),
    "actual_cost": ("Actual cost", "实际费用"),
    "done_on": ("Date done", "完成日期"),
    "note": ("Note (reason if dropped)", "备注（取消原因）"),
    "benefit": ("What it brings the store", "门店收益"),
    "counted_cost": ("Counted cost", "计入投入"),
    "actions": ("3. Actions agreed with the store manager", "3. 与店长约定的行动"),
    "action": ("Action", "行动"),
    "owner": ("Owner", "负责人"),
    "due": ("Due", "截止日期"),
    "result": ("Result", "结果"),
    "log": ("4. Weekly log", "4. 周报"),
    "week": ("Week", "周"),
    "season": ("Season", "季节系数"),
    "target_units": ("Target units", "目标销量"),
    "target_value": ("Target value", "目标销售额"),
    "units": ("Units sold", "销量"),
    "value": ("Value sold", "销售额"),
    "category": ("Category units (all brands)", "品类销量（全部品牌）"),
    "competitor": ("Main competitor units", "主要竞品销量"),
    "display": ("Display OK (Y/N)", "陈列达标（是/否）"),
    "promoter_present": ("Promoter days present", "促销员实际天数"),
    "promoter_planned": ("Promoter days planned", "促销员计划天数"),
    "stock": ("Stock on hand", "库存"),
    "competitor_activity": ("Competitor activity", "竞品动态"),
    "comment": ("Comment", "备注"),
    "cum_units": ("Units to date", "累计销量"),
    "cum_target": ("Target to date", "累计目标"),
    "attainment_to_date": ("Attainment to date", "累计达成率"),
    "cover": ("Weeks of cover", "库存周数"),
    "total": ("Total", "合计"),
    "review": ("5. Review (updates as you type)", "5. 回顾（随录入实时更新）"),
    "period_target": ("Period target", "周期目标"),
    "target_to_date": ("Target to date", "目标（至今）"),
    "actual_to_date": ("Actual to date", "实际（至今）"),
    "attainment": ("Attainment", "达成率"),
    "capped": ("Capped", "封顶后"),
    "weight": ("Weight", "权重"),
    "rag": ("RAG", "红黄绿"),
    "data_week": ("Data up to week", "数据截至周"),
    "weeks_entered": ("Weeks entered", "已录入周数"),
    "forecast_units": ("Run-rate forecast, units", "按当前进度预测销量"),
    "forecast_value": ("Run-rate forecast, value", "按当前进度预测销售额"),
    "forecast_vs_target": ("Forecast vs period target", "预测/周期目标"),
    "growth": ("Growth vs baseline (units)", "相对基线增长（销量）"),
    "share": ("Our share", "我方份额"),
    "share_change": ("Share change vs baseline", "份额较基线变化"),
    "competitor_share": ("Main competitor share", "主要竞品份额"),
    "share_gap": ("Our share minus main competitor's", "我方与主要竞品份额差"),
    "display_compliance": ("Display compliance", "陈列达标率"),
    "promoter_attendance": ("Promoter attendance", "促销员出勤率"),
    "program_execution": ("Program execution", "活动执行率"),
    "action_completion": ("Action completion", "行动完成率"),
    "execution_score": ("Execution score", "执行得分"),
    "investment": ("Investment (programs done)", "投入（已完成活动）"),
    "incremental_units": ("Incremental units vs baseline", "相对基线增量销量"),
    "incremental_margin": ("Incremental margin", "增量毛利"),
    "roi": ("ROI", "投资回报率"),
    "retailer_gain": ("Retailer's gain (extra margin for the store)", "零售商收益（门店增量毛利）"),
    "score": ("Score (0-100)", "总分（0-100）"),
    "score_rag": ("Score RAG", "总分红黄绿"),
    "result_attainment": ("Result attainment", "结果达成率"),
    "quadrant": ("Quadrant (execution × result)", "四象限（执行×结果）"),
    "as_of_date": ("Data date", "数据日期"),
    "sr_comment": ("SR comment", "业务代表评语"),
    "manager_comment": ("Store manager feedback", "店长反馈"),
    "retired": ("Kept from earlier versions of the plan (not counted)", "以前计划版本保留的数据（不计入）"),
    "green": ("Green", "绿"),
    "amber": ("Amber", "黄"),
    "red": ("Red", "红"),
    "star": ("Star", "明星"),
    "plan_issue": ("Plan issue", "计划问题"),
    "execution_gap": ("Execution gap", "执行差距"),
    "untapped": ("Untapped", "潜力未挖掘"),
    "min": ("min", "下限"),
    "max": ("max", "上限"),
    "none": ("none", "无"),
    "by_tier": ("tier target", "按门店级别"),
}


def tab_text(key: str, lang: str) -> str:
    pair = TAB[key]
    return pair[0] if lang == "en" else pair[1]
