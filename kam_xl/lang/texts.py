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
    "chk_control": (
        "the {what} holds a character Excel cannot store (control character U+{code:04X}): remove it",
        "{what}含有 Excel 无法保存的字符（控制字符 U+{code:04X}），请删除",
    ),
    "chk_tab_cut": (
        "the store's tab name is cut to Excel's 31 characters ('{tab}'); the full name stays on the tab",
        "门店标签页名称将被截为 Excel 上限 31 个字符（“{tab}”）；完整名称仍显示在标签页内",
    ),
    "chk_link_cut": (
        "the store name is longer than 255 characters: the link on the SR's 'My stores' sheet shows its start only",
        "门店名称超过 255 个字符：SR 文件“我的门店”页的链接只显示开头部分",
    ),
    "chk_text_cut": (
        "the {what} is longer than Excel's 32,767 characters per cell and is cut",
        "{what}超过 Excel 单元格上限 32,767 个字符，将被截断",
    ),
    "chk_store_name": ("store name", "门店名称"),
    "chk_program_name": ("program name", "活动名称"),
}

# (style, (English, Chinese)) — one line of the README sheet each.
README_LINES: tuple[tuple[str, tuple[str, str]], ...] = (
    (
        "title",
        ("kam_xl — key account plan, execution and review", "kam_xl —— 大客户计划、执行与回顾"),
    ),
    (
        "note",
        (
            "One workbook for the whole loop: the KAM plans here, every store gets its own plan tab, "
            "each sales rep (SR) gets a file with only their stores, and the results come back for review.",
            "一个工作簿完成整个循环：大客户经理在此制定计划，每家门店生成自己的计划页，"
            "每位业务代表（SR）只收到自己门店的文件，结果回收后统一回顾。",
        ),
    ),
    ("subtitle", ("1. Account Plan (KAM)", "1. 制定客户计划（大客户经理）")),
    (
        "wrap",
        (
            "Fill the yellow cells of Account, Needs, Objectives, Programs, Competition, Stores and Calendar. "
            "Headers are how kam_xl reads the sheets: you may reorder or add columns, but keep the header words.",
            "填写 客户概况、客户需求、目标、活动方案、竞争、门店、日历 各页的黄色单元格。"
            "kam_xl 按表头读取：可以调整列顺序或增加列，但请保留表头文字。",
        ),
    ),
    (
        "wrap",
        (
            "Check the plan: macro 'validate' or `kam validate BOOK.xlsx`. "
            "Every problem is listed as Sheet!Cell: what is wrong.",
            "检查计划：宏 'validate' 或命令 `kam validate BOOK.xlsx`。每个问题都会以“页!单元格：问题”列出。",
        ),
    ),
    ("subtitle", ("2. Account Execution (SR, store manager)", "2. 执行客户计划（业务代表、店长）")),
    (
        "wrap",
        (
            "'generate' makes one plan tab per store: targets with how they were allocated, the HQ programs for the "
            "store, actions agreed with the store manager, the weekly log and a live review block. Running it again "
            "after the plan changed keeps everything already typed into the tabs.",
            "'generate' 为每家门店生成计划页：目标及其分配依据、适用的总部活动、与店长约定的行动、周报记录和实时回顾。"
            "计划调整后再次运行，已录入的数据全部保留。",
        ),
    ),
    (
        "wrap",
        (
            "'split' writes one file per SR with only their stores; SRs fill the yellow cells in Excel, WPS or "
            "LibreOffice (no macros needed) and send the file back; 'collect' merges the files into this workbook, "
            "checks every value and logs what it changed or refused in the collect log.",
            "'split' 为每位业务代表生成只含其门店的文件；业务代表在 Excel、WPS 或 LibreOffice 中填写黄色单元格"
            "（无需宏）后发回；'collect' 将文件合并回本工作簿，逐项检查并在回收日志中记录修改与拒收。",
        ),
    ),
    (
        "subtitle",
        (
            "3. Account Review (KAM, regional managers, management)",
            "3. 回顾（大客户经理、大区经理、管理层）",
        ),
    ),
    (
        "wrap",
        (
            "'review' computes the scorecards (store, SR, region, tier, account), problems and opportunities and a "
            "next-period proposal; 'email' sends each SR, store manager and management their own scorecard.",
            "'review' 计算记分卡（门店、业务代表、大区、门店级别、客户）、问题与机会以及下期建议；"
            "'email' 向每位业务代表、店长和管理层发送各自的记分卡。",
        ),
    ),
    ("subtitle", ("Colours", "颜色说明")),
    (
        "wrap",
        (
            "Yellow: cells you fill. Blue: live formulas. White: fixed by the plan.",
            "黄色：需填写。蓝色：实时公式。白色：由计划确定。",
        ),
    ),
    ("subtitle", ("Principles the review makes visible", "回顾体现的原则")),
    (
        "wrap",
        (
            "See the business from the retailer's side · Fight the competitor, not the battlefield · "
            "Every business is input vs output (ROI) · Behaviour → execution → result.",
            "站在零售商角度看生意 · 打击竞争对手，而不是争夺阵地 · 一切生意都是投入产出（ROI）· 行为 → 执行 → 结果。",
        ),
    ),
)

# The relationship evidence checklist of an empty template.
DEFAULT_EVIDENCE: tuple[tuple[str, tuple[str, str]], ...] = (
    ("supplier", ("Orders and deliveries run without disputes", "订单与交付无争议")),
    (
        "supplier",
        ("Listed in the retailer's range with agreed terms", "已进入零售商商品目录并签订条款"),
    ),
    (
        "problem_solver",
        ("We fixed at least one retailer issue this period", "本期至少解决了零售商的一个问题"),
    ),
    ("problem_solver", ("Monthly business review held with the buyer", "与采购每月开展业务回顾")),
    ("resource", ("Joint plan agreed with category management", "与品类管理部门共同制定计划")),
    (
        "resource",
        ("Retailer uses our data or training for its own staff", "零售商采用我方数据或培训其员工"),
    ),
    ("partner", ("Shared targets signed by both top managements", "双方高层签署共同目标")),
    ("partner", ("Joint investment in stores or systems", "在门店或系统上共同投资")),
)


def text(key: str, lang: str) -> str:
    """A text of the HQ workbook and the console in `lang` (KeyError names a missing key)."""
    pair = TEXT[key]
    return pair[0] if lang == "en" else pair[1]


# Words of the store tabs.
TAB: dict[str, tuple[str, str]] = {
    "sec_programs": ("2. HQ programs for this store", "2. 适用于本店的总部活动"),
    "sec_actions": ("3. Actions agreed with the store manager", "3. 与店长约定的行动"),
    "sec_review": ("4. Review (updates as you type)", "4. 回顾（随录入实时更新）"),
    "sec_targets": ("5. Targets and how they were set", "5. 目标及其分配依据"),
    "sec_parameters": ("6. Store and plan parameters", "6. 门店信息与计划参数"),
    "tab_note": (
        "Yellow cells are yours: type each week's row in the log below (hover a cell for what to type); "
        "blue cells compute; programs, actions and the review follow the log.",
        "黄色单元格由您填写：在下方周报中每周录入一行（鼠标停在单元格上可看说明）；蓝色为公式；周报下方是活动、行动和回顾。",
    ),
    "back_to_stores": ("← Stores", "← 门店列表"),
    "back_to_my_stores": ("← My stores", "← 我的门店"),
    "stores_tab_link": ("Store tab (link)", "门店工作表（链接）"),
    "this_week_title": ("This week: one row per store", "本周录入：每家门店一行"),
    "this_week_note": (
        "Type (or paste) this week's numbers here: each store's tab shows them in its weekly log. Sorting or "
        "filtering the rows is fine; keep the store IDs as they are.",
        "在此录入（或粘贴）本周数据，各门店工作表的周报会同步显示。可以排序或筛选，但请勿修改门店编号。",
    ),
    "sell_in": ("Sell-in units", "进货量"),
    "visits": ("Visits made", "拜访次数"),
    "expected_stock": ("Expected stock", "应有库存"),
    "stock_gap": ("Counted − expected stock", "盘点与应有库存差"),
    "sell_through": ("Sell-through", "售罄率"),
    "push": ("Month-end push", "月底压货"),
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
    "coverage": ("Visit coverage", "拜访覆盖率"),
    "visits_per_week": ("Visits a week (coverage plan)", "每周计划拜访次数"),
    "program_execution": ("Program execution", "活动执行率"),
    "action_completion": ("Action completion", "行动完成率"),
    "execution_score": ("Execution score", "执行得分"),
    "investment": ("Investment (programs done)", "投入（已完成活动）"),
    "incremental_units": ("Incremental units vs baseline", "相对基线增量销量"),
    "incremental_margin": ("Incremental margin", "增量毛利"),
    "roi": ("ROI", "投资回报率"),
    "retailer_gain": ("Retailer's gain (extra margin for the store)", "零售商收益（门店增量毛利）"),
    "score": ("Score (100 = on target)", "总分（100 = 达标）"),
    "score_rag": ("Score RAG", "总分红黄绿"),
    "result_attainment": ("Result attainment", "结果达成率"),
    "quadrant": ("Quadrant (execution × result)", "四象限（执行×结果）"),
    "as_of_date": ("Data date", "数据日期"),
    "sr_comment": ("SR comment", "业务代表评语"),
    "manager_comment": ("Store manager feedback", "店长反馈"),
    "retired": (
        "Kept from earlier versions of the plan (not counted)",
        "以前计划版本保留的数据（不计入）",
    ),
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


# Input help of the weekly log (data-validation input messages, at most 255 characters each): a title and
# what to type, where the number comes from. {base} is the store's usual week, {soft} the level above which
# Excel asks to confirm.
INPUT_HELP: dict[str, tuple[tuple[str, str], tuple[str, str]]] = {
    "units": (
        ("Units sold this week", "本周销量"),
        (
            "Units of our brand sold Mon–Sun, from the store's POS or the retailer's report. Usual: about {base} "
            "a week; above {soft} Excel asks you to confirm.",
            "本周（周一至周日）我方品牌销量，来自门店POS或零售商报表。通常每周约 {base}；超过 {soft} 时会请您确认。",
        ),
    ),
    "value": (
        ("Value sold this week", "本周销售额"),
        (
            "Sales value of our units this week (same source as units). Usual: about {base} a week; above {soft} "
            "Excel asks you to confirm.",
            "本周我方销售额（与销量同一来源）。通常每周约 {base}；超过 {soft} 时会请您确认。",
        ),
    ),
    "sell_in": (
        ("Sell-in: shipped into store", "进货：本周入店数量"),
        (
            "Units delivered INTO the store this week (delivery notes, retailer's purchase orders) — not sales. "
            "Blank if no delivery. Above {soft} Excel asks you to confirm.",
            "本周送到门店的数量（送货单、零售商订单），不是销量。没有到货请留空。超过 {soft} 时会请您确认。",
        ),
    ),
    "stock": (
        ("Stock counted", "盘点库存"),
        (
            "Units of our brand on hand when you counted (shelf + back room) on your visit. Blank if not counted. "
            "Above {soft} Excel asks you to confirm.",
            "拜访时盘点的我方品牌库存（货架+仓库）。未盘点请留空。超过 {soft} 时会请您确认。",
        ),
    ),
    "visits": (
        ("Visits made this week", "本周拜访次数"),
        (
            "How many times you visited this store this week: a whole number from 0 to 21 (0 if you did not go).",
            "本周您拜访本店的次数：0 到 21 的整数（未拜访填 0）。",
        ),
    ),
    "display": (
        ("Display as agreed?", "陈列是否达标？"),
        (
            "Y if our display met the agreed standard at your visit, N if not.",
            "拜访时陈列符合约定标准选“是”，否则选“否”。",
        ),
    ),
    "promoter_present": (
        ("Promoter days worked", "促销员实际天数"),
        (
            "Person-days our promoters actually worked this week (0–14), from the sign-in sheet. 0 if none came.",
            "本周促销员实际出勤人天（0–14），以签到表为准。没有到岗填 0。",
        ),
    ),
    "promoter_planned": (
        ("Promoter days planned", "促销员计划天数"),
        (
            "Person-days planned (0–14). Prefilled from the plan's promoter programs (weekend days); change it "
            "only if HQ changed the roster.",
            "计划人天（0–14）。已按计划中的促销员活动（周末天数）预填；仅在总部调整排班时修改。",
        ),
    ),
    "category": (
        ("Category units (all brands)", "品类销量（全部品牌）"),
        (
            "Units of the whole category, all brands, sold this week — from the store manager or the retailer's "
            "report. Above {soft} Excel asks you to confirm.",
            "本周全品类（所有品牌）销量，来自店长或零售商报表。超过 {soft} 时会请您确认。",
        ),
    ),
    "competitor": (
        ("Main competitor units", "主要竞品销量"),
        (
            "Units the main competitor sold this week, from the store manager or the retailer's report. Above "
            "{soft} Excel asks you to confirm.",
            "本周主要竞品销量，来自店长或零售商报表。超过 {soft} 时会请您确认。",
        ),
    ),
    "competitor_activity": (
        ("Competitor activity", "竞品动态"),
        (
            "What the competitor did this week (price cut, promoter, display), in a few words.",
            "本周竞品动作（降价、促销员、陈列等），简要说明。",
        ),
    ),
    "comment": (
        ("Comment", "备注"),
        ("Anything HQ should know about this week in this store.", "本周本店需要总部了解的情况。"),
    ),
}
SOFT_ERROR = (
    "This is more than 5 times this store's usual week ({base}). Yes keeps the number, No lets you correct it.",
    "该数值超过本店通常每周水平（{base}）的 5 倍。选“是”保留，选“否”修改。",
)


def input_help(field: str, lang: str) -> tuple[str, str]:
    """(title, message) of a weekly input's help in `lang` (placeholders still to fill)."""
    title, message = INPUT_HELP[field]
    index = 0 if lang == "en" else 1
    return title[index], message[index]


def tab_text(key: str, lang: str) -> str:
    """A label or text of the store tab in `lang`."""
    pair = TAB[key]
    return pair[0] if lang == "en" else pair[1]


# The README of an SR workbook: (style, (English, Chinese)); {sr}, {account}, {kam}, {kam_email},
# {file} and {stores} are filled in by split.
SR_README_LINES: tuple[tuple[str, tuple[str, str]], ...] = (
    ("title", ("Store plans of {sr} · {account}", "{sr} 的门店计划 · {account}")),
    (
        "note",
        (
            "This file holds your {stores} store(s) only. Fill it in Excel, WPS or LibreOffice and send it back; "
            "no macros or add-ins are needed.",
            "本文件只包含您负责的 {stores} 家门店。可在 Excel、WPS 或 LibreOffice 中填写后发回，无需宏或插件。",
        ),
    ),
    ("subtitle", ("What to fill", "需要填写的内容")),
    (
        "wrap",
        (
            "Each store has its own tab; the weekly log is at the top and opens at the week to type. Type into the "
            "yellow cells only (hover a cell for what to type): every week's sell-out units and value, sell-in "
            "(units shipped into the store), stock counted, your visits, display OK (Y/N), promoter days, category "
            "units (all brands), main-competitor units, competitor activity and a comment; below the log, the "
            "status, actual cost and date done of each HQ program (a reason in the note if you drop one), the "
            "actions agreed with the store manager, your comment and the store manager's feedback, and the date "
            "the store manager agreed the plan. Quicker: type the whole week for all your stores on '{this_week}' "
            "(one row per store); the tabs show it.",
            "每家门店一个工作表；周报位于顶部，打开时即定位到待填写的周。只在黄色单元格中填写（鼠标停在单元格上可看说明）："
            "每周的销量和销售额、进货量（送入门店的数量）、盘点库存、拜访次数、陈列是否达标（是/否）、促销员天数、"
            "品类销量（全部品牌）、主要竞品销量、竞品动态和备注；周报下方为每项总部活动的状态、实际费用和完成日期"
            "（取消时在备注中写明原因）、与店长约定的行动、您的评语和店长反馈，以及与店长确认计划的日期。"
            "更快的方式：在“{this_week}”中一次录入所有门店的本周数据（每店一行），各门店工作表会同步显示。",
        ),
    ),
    (
        "wrap",
        (
            "Numbers as numbers (1234 or 1,234), dates as YYYY-MM-DD, list cells from their drop-down. Leave a cell "
            "empty when you do not know the value; an empty cell never erases what HQ already has.",
            "数字直接填写（1234 或 1,234），日期写成 YYYY-MM-DD，下拉单元格请从列表中选择。不清楚的数值请留空；"
            "留空不会清除总部已有的数据。",
        ),
    ),
    ("subtitle", ("Colours", "颜色说明")),
    (
        "wrap",
        (
            "Yellow: cells you fill. Blue: live formulas that update as you type. White: fixed by the plan.",
            "黄色：需填写。蓝色：随录入实时更新的公式。白色：由计划确定。",
        ),
    ),
    (
        "wrap",
        (
            "'{my_stores}' shows every store's target, units to date, attainment, score and RAG; click a "
            "store's name to open its tab.",
            "“{my_stores}”汇总每家门店的目标、累计销量、达成率、总分和红黄绿状态；点击门店名称可打开该门店的工作表。",
        ),
    ),
    ("subtitle", ("How to send it back", "如何发回")),
    (
        "wrap",
        (
            "Save the file as .xlsx (Excel Workbook) under the same name ({file}), without a password, and e-mail "
            "it to {kam} ({kam_email}). Send the whole file every time: HQ merges the latest values, checks every "
            "cell and tells you what it could not read.",
            "请以 .xlsx（Excel 工作簿）格式、原文件名（{file}）保存，不要设置密码，然后通过邮件发送给 {kam}"
            "（{kam_email}）。每次请发送完整文件：总部会合并最新数据、逐项检查，并告知无法识别的内容。",
        ),
    ),
    ("subtitle", ("Please do not", "请勿")),
    (
        "wrap",
        (
            "Rename, add, delete or move sheets, rows or columns; paste over formulas; copy tabs between files; or "
            "edit the hidden _meta sheet. HQ recognises each store by its store ID in cell C3 and each value by its "
            "cell, so a changed structure means values cannot be merged.",
            "重命名、增加、删除或移动工作表、行或列；覆盖公式；在文件之间复制工作表；或修改隐藏的 _meta 工作表。"
            "总部通过 C3 单元格中的门店编号识别门店、按单元格位置识别数据，结构改变会导致数据无法合并。",
        ),
    ),
)

# Words of the SR summary sheet and the collect log.
TEXT.update(
    {
        "my_stores_title": ("My stores · {sr} · {account}", "我的门店 · {sr} · {account}"),
        "my_stores_note": (
            "Click a store to open its tab. The numbers update as you type into the store tabs.",
            "点击门店名称打开其工作表。数字随门店工作表中的录入实时更新。",
        ),
        "units_target": ("Units target (period)", "销量目标（周期）"),
        "units_target_to_date": ("Units target to date", "销量目标（至今）"),
        "units_to_date": ("Units to date", "累计销量"),
        "log_title": (
            "Collect log: what kam collect merged, changed and refused",
            "回收日志：kam collect 合并、修改和拒收的内容",
        ),
        "log_note": (
            "One row per refused file, rejected cell, changed value or kept value; newest runs at the bottom.",
            "每行记录一个拒收的文件、拒收的单元格、修改的数值或保留的数值；最新记录在最后。",
        ),
        "time": ("Time", "时间"),
        "file": ("File", "文件"),
        "sheet": ("Sheet", "工作表"),
        "cell": ("Cell", "单元格"),
        "field": ("Field", "项目"),
        "what": ("What", "类型"),
        "old": ("Old value", "原值"),
        "new": ("New value", "新值"),
        "reason": ("Reason", "原因"),
        "what_refused": ("File refused", "文件拒收"),
        "what_rejected": ("Value rejected", "数值拒收"),
        "what_changed": ("Value changed", "数值修改"),
        "what_kept": ("Blank in file, HQ value kept", "文件中为空，保留总部数值"),
        "what_held": ("HQ correction kept", "保留总部修改"),
        "what_merged": ("File merged", "文件已合并"),
        "what_skipped": ("Duplicate file skipped", "重复文件已跳过"),
        "what_note": ("Note", "提示"),
    }
)


# Words of the review scorecards (kam review). review_text() falls back to the store tab's words (TAB).
REVIEW: dict[str, tuple[str, str]] = {
    # Voice of the store
    "voice_note": (
        "What the stores said: competitor activity and comments of the weekly logs, the SR's comment and the store "
        "manager's feedback, newest first. Filter the competitor or the text column to search.",
        "门店的声音：周报中的竞品动态和备注、业务代表评语和店长反馈，按时间倒序。可筛选竞品或内容列进行查找。",
    ),
    "voice_week": ("Week", "周"),
    "voice_kind": ("What", "类别"),
    "voice_competitors": ("Competitor named", "提及竞品"),
    "voice_text": ("What was said", "内容"),
    "voice_none": ("Nothing said in the weekly logs yet.", "周报中尚无内容。"),
    "voice_competitor_activity": ("Competitor activity", "竞品动态"),
    "voice_comment": ("Weekly comment", "周报备注"),
    "voice_sr_comment": ("SR comment", "业务代表评语"),
    "voice_manager_comment": ("Store manager feedback", "店长反馈"),
    # Problem tracker (Problems & opportunities)
    "grp_tracker": ("Filled by the KAM (kept at the next review)", "由大客户经理填写（下次回顾保留）"),
    "problem_id": ("Problem ID", "问题编号"),
    "severity": ("Severity", "严重程度"),
    "at_stake": ("At stake ({currency})", "涉及金额（{currency}）"),
    "tracker_status": ("Status", "状态"),
    "kam_note": ("KAM note", "大客户经理备注"),
    "tracker_note": (
        "Ranked by money at stake (margin): kinds with the most first. Fill owner, due, status and note: the next "
        "review keeps them for the problems that persist (same problem ID) and marks the others 'Gone'.",
        "按涉及金额（毛利）排序，金额最大的问题类型在前。请填写负责人、截止日期、状态和备注："
        "下次回顾时，仍存在的问题（问题编号相同）保留这些内容，其余标记为“本次回顾已消除”。",
    ),
    # Program ROI sheet and e-mail section (docs/metrics.md, "Per-program ROI")
    "programs_title": ("Per-program ROI", "各活动投资回报"),
    "programs_note": (
        "Each store-week's extra units over its baseline (weeks up to the review week) are shared equally among the "
        "programs running in that store that week. Cost = actual cost, or the plan's cost per store, where the "
        "program is Done. ROI = (incremental margin − cost) / cost. Verdict: Keep when ROI ≥ 0; Change when it "
        "moves units but does not pay back; Stop when it brings no extra units; Wait before any week or cost.",
        "每个门店每周相对基线的增量销量（截至回顾周）由该店当周进行中的活动平均分摊。费用 = 已完成门店的实际费用"
        "（未填则取计划单店费用）。投资回报率 = （增量毛利 − 费用）/ 费用。"
        "建议：回报率 ≥ 0 保留；带动销量但未回本则调整；无增量销量则停止；尚无数据或费用则观察。",
    ),
    "program_name": ("Name", "名称"),
    "program_type": ("Type", "类型"),
    "need": ("Need", "需求"),
    "program_dates": ("Dates", "日期"),
    "program_stores": ("Stores", "门店数"),
    "stores_done": ("Stores done", "已完成门店"),
    "program_cost": ("Cost ({currency})", "费用（{currency}）"),
    "program_units": ("Extra units", "增量销量"),
    "program_value": ("Extra sales ({currency})", "增量销售额（{currency}）"),
    "program_margin": ("Extra margin ({currency})", "增量毛利（{currency}）"),
    "program_roi": ("ROI", "投资回报率"),
    "stores_losing": ("Stores losing money", "亏损门店"),
    "verdict": ("Verdict", "建议"),
    "verdict_keep": ("Keep", "保留"),
    "verdict_change": ("Change", "调整"),
    "verdict_stop": ("Stop", "停止"),
    "verdict_wait": ("Wait", "观察"),
    "needs_title": ("Retailer needs and the programs that answer them", "零售商需求与对应活动"),
    "need_text": ("The retailer needs", "零售商需求"),
    "need_priority": ("Priority", "优先级"),
    "need_programs": ("Programs", "对应活动"),
    "need_result": ("Result so far", "目前结果"),
    "need_no_program": ("No program answers this need yet", "尚无活动对应此需求"),
    "need_result_line": (
        "{units} extra units, ROI {roi}; {verdicts}",
        "增量销量 {units}，投资回报率 {roi}；{verdicts}",
    ),
    "programs_losing": ("Programs that do not pay back", "未回本的活动"),
    "stamp_as_of": (
        "As of {week} (week {number} of {weeks}, ending {end}; {week_id})",
        "截至{week}（第 {number} 周，共 {weeks} 周，{end}结束；{week_id}）",
    ),
    "stamp_no_data": ("No weekly entries yet: nothing to review", "尚无周报数据：暂无可回顾内容"),
    "stamp_computed": (
        "Computed {at} by kam_xl {version}. Running review again replaces this sheet.",
        "由 kam_xl {version} 于 {at} 计算。再次运行回顾会替换本页。",
    ),
    "grp_store": ("Store", "门店"),
    "grp_group": ("Group", "分组"),
    "grp_score": ("Score and diagnosis", "得分与诊断"),
    "grp_data": ("Data", "数据"),
    "grp_sell_out": ("Sell-out vs plan", "销售与计划"),
    "grp_share": ("Share vs competitor", "份额与竞品"),
    "grp_execution": ("Execution", "执行"),
    "grp_channel": ("Sell-in, stock and visits", "进货、库存与拜访"),
    "sell_in_actual": ("Sell-in to date", "累计进货量"),
    "sell_through": ("Sell-through", "售罄率"),
    "stock_gap": ("Counted − expected stock (latest)", "最近盘点与应有库存差"),
    "push_weeks": ("Month-end push weeks", "月底压货周数"),
    "visits_made": ("Visits made", "实际拜访次数"),
    "visits_planned": ("Visits planned", "计划拜访次数"),
    "coverage": ("Visit coverage", "拜访覆盖率"),
    "grp_money": ("Input vs output", "投入产出"),
    "grp_flags": ("Problems", "问题"),
    "store_name": ("Store", "门店"),
    "city": ("City", "城市"),
    "sr_id": ("SR ID", "业务代表编号"),
    "sr_name": ("SR", "业务代表"),
    "region": ("Region", "大区"),
    "store_tier": ("Store tier", "门店级别"),
    "stores": ("Stores", "门店数"),
    "rank": ("Rank", "排名"),
    "rank_in_sr": ("Rank in SR", "SR内排名"),
    "rank_in_region": ("Rank in region", "大区内排名"),
    "rank_in_account": ("Rank in account", "全客户排名"),
    "actual": ("Actual", "实际"),
    "weeks_missing": ("Weeks missing", "缺失周数"),
    "data_week_id": ("Data up to week", "数据截至周"),
    "units_fc_vs_target": ("Forecast vs period target, units", "预测/周期目标（销量）"),
    "value_fc_vs_target": ("Forecast vs period target, value", "预测/周期目标（销售额）"),
    "growth_value": ("Growth vs baseline (value)", "相对基线增长（销售额）"),
    "flag_count": ("Problems found", "问题数"),
    "flag_kinds": ("Which problems", "问题类型"),
    "account_total": ("Account", "全客户"),
    "kam_note_next": (
        "Yellow cells are the next period's targets: change them here, then `kam next-period` (macro "
        "KamNextPeriod) makes the next period's workbook with exactly these targets. Running review again "
        "rewrites this sheet with fresh suggestions.",
        "黄色单元格为下期目标，可直接修改；之后运行 `kam next-period`（宏 KamNextPeriod）即按这些目标生成下期工作簿。"
        "再次运行回顾会以新的建议值重写本页。",
    ),
    "current_target": ("Current target", "当前目标"),
    "run_rate": ("Run-rate forecast", "按进度预测"),
    "suggested": ("Suggested next period", "下期建议目标"),
    "dv_next_target": (
        "The next period's target: a number of 0 or more (rounded to a whole number).",
        "下期目标：大于或等于 0 的数（取整）。",
    ),
    "change": ("Change vs current", "较当前变化"),
    "share_target": ("Share target", "份额目标"),
    "share_gap_units": ("Share-gap opportunity, units", "份额差距机会（台）"),
    "number": ("#", "序号"),
    "type": ("Type", "类别"),
    "kind": ("What", "问题"),
    "evidence": ("Evidence", "依据"),
    "suggested_action": ("Suggested action", "建议行动"),
    "problem": ("Problem", "问题"),
    "opportunity": ("Opportunity", "机会"),
    "no_flags": ("No problem or opportunity found.", "未发现问题或机会。"),
    # Account summary
    "sec_score": ("The account at a glance", "客户总览"),
    "sec_targets": ("Targets vs actual", "目标与实际"),
    "sec_relationship": ("Relationship with the retailer", "客户关系"),
    "sec_retailer": (
        "1. See the business from the retailer's side: the retailer's gain",
        "1. 站在零售商角度看生意：零售商收益",
    ),
    "sec_competitor": (
        "2. Fight the competitor, not the battlefield: our share vs the main competitor",
        "2. 打击竞争对手，而不是争夺阵地：我方与主要竞品份额",
    ),
    "sec_roi": (
        "3. Every business is input vs output: investment and return",
        "3. 一切生意都是投入产出：投入与回报",
    ),
    "sec_quadrant": (
        "4. Behaviour → execution → result: stores per quadrant",
        "4. 行为 → 执行 → 结果：各象限门店数",
    ),
    "sec_flags": ("Problems and opportunities found", "发现的问题与机会"),
    "sec_chart_data": ("Data of the charts", "图表数据"),
    "stores_reviewed": ("Stores reviewed", "参与回顾门店"),
    "stores_reporting": ("Stores with data for the as-of week", "截至周有数据的门店"),
    "stores_no_data": ("Stores without any entry", "无任何录入的门店"),
    "forecast_vs_target": ("Forecast vs period target", "预测/周期目标"),
    "level_stated": ("Level stated in the plan", "计划中填写的层级"),
    "level_evidence": ("Level the evidence supports", "证据支持的层级"),
    "level_target": ("Target level", "目标层级"),
    "level_steps": ("Steps from the evidence to the target", "距目标层级的差距（级）"),
    "level_missing": ("Evidence still missing for the next level", "进入下一层级尚缺的证据"),
    "none_met": ("none met", "均未达到"),
    "incremental_value": ("Incremental value vs baseline (sell-out)", "相对基线增量销售额"),
    "stores_with_gain": ("Stores where the retailer gains", "零售商获益的门店"),
    "gain_per_store": ("Retailer's gain per store with data", "有数据门店的平均零售商收益"),
    "main_competitor": ("Main competitor", "主要竞争对手"),
    "stores_ahead": ("Stores where our share is ahead", "我方份额领先的门店"),
    "stores_behind": ("Stores where the competitor is ahead", "竞品份额领先的门店"),
    "programs_done": ("Programs done / applicable", "已完成/适用活动"),
    "stores_roi_negative": (
        "Stores with ROI below 0 (of stores invested in)",
        "投资回报率为负的门店（有投入的门店中）",
    ),
    "quadrant_none": ("Not enough data", "数据不足"),
    "share_of_stores": ("Share of stores", "门店占比"),
    "what_to_do": ("What to do", "行动建议"),
    "count": ("Count", "数量"),
    "chart_weekly": ("Weekly sell-out units: actual vs target", "每周销量：实际与目标"),
    "sec_channel_months": ("Sell-in vs sell-out by month, and channel stock", "按月进货与销量，及渠道库存"),
    "channel_months_note": (
        "Sell-in above sell-out fills the channel; a month whose ratio jumps while cover grows is a push, not demand.",
        "进货高于销量即渠道在加库存；进销比突增且库存周数上升的月份是压货，而非真实需求。",
    ),
    "cm_month": ("Month", "月份"),
    "cm_sell_in": ("Sell-in units", "进货量"),
    "cm_sell_out": ("Sell-out units", "销量"),
    "cm_ratio": ("Sell-in / sell-out", "进销比"),
    "cm_closing_stock": ("Closing stock", "月末库存"),
    "cm_units": ("Units", "数量"),
    "cm_cover": ("Weeks of cover", "库存周数"),
    "chart_channel": ("Sell-in vs sell-out by month, and closing stock", "按月进货、销量与月末库存"),
    "chart_by_sr": ("Attainment to date by SR", "各业务代表累计达成率"),
    "chart_scatter": (
        "Execution score vs result attainment (one point per store)",
        "执行得分与结果达成率（每点一家门店）",
    ),
    "week_target_units": ("Week target, units", "周目标销量"),
    "week_actual_units": ("Units sold", "实际销量"),
    "week_reporting_target": ("Target of the stores that reported", "已录入门店的目标"),
    "week_attainment": ("Attainment of the stores that reported", "已录入门店达成率"),
    "week_stores": ("Stores that reported", "录入门店数"),
    "value_label": ("Value", "数值"),
    # Quadrant actions
    "do_star": (
        "Replicate: write down what works here and copy it to similar stores",
        "复制：总结成功做法并推广到同类门店",
    ),
    "do_plan_issue": (
        "Revisit the target or the program: execution is there, the result is not",
        "重新审视目标或活动：执行到位但结果未达成",
    ),
    "do_execution_gap": (
        "Coach: execution and result are both below the bar",
        "辅导：执行与结果均未达标",
    ),
    "do_untapped": (
        "Raise the bar: results come without full execution",
        "提高标准：执行未到位结果已达成",
    ),
    "do_none": ("Get the weekly entries in", "督促完成周报录入"),
    # Flags: what, evidence and suggested action (keys of flags.SUGGESTED_ACTIONS)
    "flag_below_amber": ("Units below amber 3+ weeks", "销量连续3周以上低于黄灯线"),
    "flag_share_falling": ("Share falling while units rise", "销量上升但份额下降"),
    "flag_stock_out_risk": ("Stock-out risk", "缺货风险"),
    "flag_overstock": ("Overstock", "库存积压"),
    "flag_stale": ("Missing weekly entries", "周报缺失"),
    "flag_roi_negative": ("ROI below 0", "投资回报率为负"),
    "flag_program_overdue": ("Program past its end, not Done", "活动已过期未完成"),
    "flag_month_end_push": ("Month-end stock push", "月底压货"),
    "flag_not_visited": ("Store not visited", "门店未拜访"),
    "flag_star": ("Star store", "明星门店"),
    "flag_untapped": ("Untapped potential", "潜力未挖掘"),
    "ev_below_amber": (
        "Units below {amber} of the week target for the last {weeks} entered weeks (latest {latest_week}: "
        "{latest_attainment})",
        "最近 {weeks} 个已录入周的销量均低于周目标的 {amber}（最近 {latest_week}：{latest_attainment}）",
    ),
    "ev_share_falling": (
        "Units {units_before} → {units_last} but share {share_before} → {share_last} (last 4 entered "
        "weeks vs the 4 before)",
        "销量 {units_before} → {units_last}，但份额 {share_before} → {share_last}（最近4个录入周对比之前4周）",
    ),
    "ev_stock_out_risk": (
        "{weeks_of_cover} weeks of cover: stock {stock} in {week}",
        "库存仅够 {weeks_of_cover} 周：{week} 库存 {stock}",
    ),
    "ev_overstock": (
        "{weeks_of_cover} weeks of cover: stock {stock} in {week}",
        "库存可售 {weeks_of_cover} 周：{week} 库存 {stock}",
    ),
    "ev_month_end_push": (
        "{week} (last week of {month}): sell-in {sell_in} vs {avg_sell_in} a week on average, units {units} vs "
        "{avg_units}",
        "{week}（{month} 月末周）：进货 {sell_in}，周均 {avg_sell_in}；销量 {units}，周均 {avg_units}",
    ),
    "ev_not_visited": (
        "no visit in the last {weeks} weeks reported up to {as_of} (last visit {last_visit})",
        "截至 {as_of} 最近 {weeks} 个已填报周均未拜访（上次拜访 {last_visit}）",
    ),
    "ev_stale": (
        "{weeks} week(s) without sell-out units up to {as_of} (latest {latest_week})",
        "截至 {as_of} 有 {weeks} 周未录入销量（最近一次缺失 {latest_week}）",
    ),
    "ev_roi_negative": (
        "ROI {roi}: incremental margin {incremental_margin} vs investment {investment}",
        "投资回报率 {roi}：增量毛利 {incremental_margin}，投入 {investment}",
    ),
    "ev_program_overdue": (
        "Program {program_id} ended {end} and is {status}, not Done",
        "活动 {program_id} 已于 {end} 结束，状态为“{status}”，未完成",
    ),
    "ev_program_no_status": (
        "Program {program_id} ended {end} and has no status",
        "活动 {program_id} 已于 {end} 结束，尚无状态",
    ),
    "ev_star": (
        "Execution {execution} and result {result}: both at or above the bar",
        "执行 {execution}，结果 {result}：均已达标",
    ),
    "ev_untapped": (
        "Result {result} with execution at {execution} only",
        "结果 {result}，执行仅 {execution}",
    ),
    "act_stop_push": (
        "Stock was pushed into the store at month end without the sell-out to match: agree orders with the store "
        "on its sell-out and cover, not on the month's shipment target.",
        "月底进货远高于销量：按门店实际销量和库存周数与门店确定订货，而不是按当月出货目标压货。",
    ),
    "act_visit_store": (
        "Visit the store this week and agree a visit day with the store manager; check stock, display and "
        "promoters on the visit.",
        "本周拜访门店并与店长约定固定拜访日；拜访时检查库存、陈列和促销员。",
    ),
    "act_coach_sell_out": (
        "Coach the store on sell-out: check range, price and display against the plan and agree a recovery "
        "action with the store manager this week.",
        "辅导门店提升销量：对照计划检查品类、价格和陈列，本周与店长约定改进行动。",
    ),
    "act_defend_share": (
        "The category grows faster than we do: check the competitor's promotion and answer with our program, "
        "display or promoter days.",
        "品类增长快于我方：了解竞品促销，并以我方活动、陈列或促销员投入应对。",
    ),
    "act_replenish_stock": (
        "Stock-out risk: order now and confirm the delivery date with the store.",
        "有缺货风险：立即补货并与门店确认到货日期。",
    ),
    "act_reduce_stock": (
        "Overstock: move units to faster stores or plan a sell-through promotion.",
        "库存积压：调拨到销售更快的门店，或策划清库促销。",
    ),
    "act_chase_entries": (
        "Ask the SR to fill the missing weeks: without them the store cannot be reviewed.",
        "请业务代表补录缺失周报，否则无法回顾该门店。",
    ),
    "act_review_investment": (
        "The investment does not pay back here: keep the programs that move units, change or stop the rest.",
        "投入未能回本：保留带动销量的活动，调整或停止其余活动。",
    ),
    "act_close_program": (
        "Close the program on the store tab: Done with its cost, or Dropped with the reason.",
        "在门店页关闭该活动：标记完成并填写费用，或标记取消并写明原因。",
    ),
    "act_replicate": (
        "Star store: write down what works and replicate it in similar stores.",
        "明星门店：总结成功做法并推广到同类门店。",
    ),
    "act_fix_star_cost": (
        "Star on results but the store loses money: cut the cost that does not pay back before replicating it.",
        "业绩达成但门店亏损：先削减未回本的投入，再推广其做法。",
    ),
    "act_raise_bar": (
        "Results come without full execution: raise the target and execute the plan fully.",
        "执行未到位结果已达成：提高目标并全面执行计划。",
    ),
}


def review_text(key: str, lang: str) -> str:
    """A review word in the language (the store tab's words when the review has none of its own)."""
    pair = REVIEW.get(key) or TAB[key]
    return pair[0] if lang == "en" else pair[1]


# Words of the e-mails (kam email) and their index page. email_text() falls back to the review's words.
EMAIL: dict[str, tuple[str, str]] = {
    "kind_sr": ("SR", "业务代表"),
    "kind_store": ("Store manager", "店长"),
    "kind_hq": ("Management", "管理层"),
    "no_week": ("no data yet", "暂无数据"),
    "subj_sr": (
        "{account} · scorecard of your stores · {week}",
        "{account} · 您的门店记分卡 · {week}",
    ),
    "subj_store": (
        "{store} · your store's plan and results · {week}",
        "{store} · 门店计划与业绩 · {week}",
    ),
    "subj_hq": ("{account} · account review · {week}", "{account} · 客户回顾 · {week}"),
    "hello": ("Hello {name},", "{name}，您好："),
    "regards": ("Best regards,", "此致敬礼！"),
    "kam_role": ("Key account manager, {supplier}", "{supplier} 大客户经理"),
    "sr_role": ("Sales representative, {supplier}", "{supplier} 业务代表"),
    "footer": (
        "Sent by kam_xl for the {account} account plan. Numbers as of {week}. Reply to this e-mail with any question.",
        "由 kam_xl 为 {account} 客户计划发送。数据截至 {week}。如有疑问请直接回复本邮件。",
    ),
    "as_of": ("As of {week}", "截至 {week}"),
    # SR e-mail
    "sr_intro": (
        "Here is the scorecard of your {stores} store(s) in the {account} plan, as of {week}.",
        "以下是您在 {account} 计划中负责的 {stores} 家门店截至 {week} 的记分卡。",
    ),
    "your_score": ("Your score", "您的得分"),
    "units_col": ("Units to date / target", "累计销量 / 目标"),
    "gain_short": ("Retailer's gain", "零售商收益"),
    "card_gain": ("Extra margin for your store", "贵店增量毛利"),
    "card_sales": ("Extra sales vs your usual level", "比平时多出的销售额"),
    "your_rank": ("Rank among {srs} SRs", "在 {srs} 位业务代表中的排名"),
    "units_vs_target": ("Units vs target to date", "销量目标达成率（至今）"),
    "sec_your_stores": ("Your stores", "您的门店"),
    "chart_stores": ("Units vs target to date, by store", "各门店销量目标达成率（至今）"),
    "chart_stores_alt": (
        "Bar chart: each store's units as a share of its target to date",
        "柱状图：各门店销量占至今目标的比例",
    ),
    "sec_top_actions": ("Top actions for next week", "下周重点行动"),
    "top_actions_note": (
        "Ranked by weighted gap: the score points each KPI below target costs the store.",
        "按加权差距排序：各未达标指标使门店损失的得分点数。",
    ),
    "points": ("Score points at stake", "影响得分（点）"),
    "standing": ("Where it stands", "目前状况"),
    "no_top_actions": (
        "Every KPI with data is on target: keep it up.",
        "所有有数据的指标均已达标，请继续保持。",
    ),
    "gap_sum": (
        "{actual} of {target} to date ({gap} short)",
        "至今 {actual} / {target}（差 {gap}）",
    ),
    "gap_rate": ("{actual} vs target {target}", "{actual}，目标 {target}"),
    "next_units": (
        "Close the sell-out gap: check range, price and display and agree a recovery action with the store manager.",
        "追赶销量差距：检查品类、价格和陈列，并与店长约定改进行动。",
    ),
    "next_value": (
        "Lift the ticket: push bundles, services and the higher models.",
        "提升客单价：推动套装、服务和高端机型。",
    ),
    "next_share": (
        "Win back share: answer the competitor's activity with our program, display or promoter.",
        "夺回份额：以我方活动、陈列或促销员应对竞品动作。",
    ),
    "next_display": (
        "Put the display back to the agreed standard and check it every week.",
        "将陈列恢复到约定标准，并每周检查。",
    ),
    "next_promoter": (
        "Confirm next week's promoter roster with the store and chase the missing days.",
        "与门店确认下周促销员排班，并跟进缺勤天数。",
    ),
    "next_programs": (
        "Run the open programs: mark each Done with its cost, or Dropped with the reason.",
        "推进未完成的活动：完成的标记完成并填写费用，取消的写明原因。",
    ),
    "next_actions": (
        "Follow up the overdue actions with the store manager.",
        "与店长跟进已到期的行动。",
    ),
    "sec_store_problems": ("Problems and opportunities", "问题与机会"),
    "no_problems": ("No problem found in your stores.", "您的门店未发现问题。"),
    "manager_feedback": ("Store manager feedback", "店长反馈"),
    "attachment_note": (
        "Attached: {file}, your workbook with only your stores. Fill in this week's entries in "
        "the yellow cells and send it back to {kam}.",
        "附件 {file} 是只包含您门店的工作簿。请在黄色单元格中填写本周数据后发回给 {kam}。",
    ),
    "sec_rejected": ("Entries we could not use", "无法使用的录入"),
    "sr_line": ("SR: ", "业务代表："),
    "score": ("Score", "总分"),  # the e-mails' tables and cards (the sheets say "Score (100 = on target)")
    "rejected_intro": (
        "HQ could not read {count} of your entries, so they count as blank. The attached workbook shows them as you "
        "typed them: correct each one in its cell and send the file back.",
        "总部无法识别您的以下{count}条录入，目前按空白处理。附件工作簿中保留了您原来的输入：请在原单元格中改正后发回。",
    ),
    "sec_held": ("Figures HQ corrected", "总部更正的数值"),
    "held_intro": (
        "HQ corrected {count} of your figures after collecting them, and your next file still had your figure, so "
        "HQ's stands. The attached workbook has HQ's figures: work on in it. If yours is right, tell {kam}.",
        "总部在收集后更正了您的{count}个数值，而您之后发回的文件中仍是原值，因此以总部数值为准。附件工作簿中已是总部的数值："
        "请在其中继续填写。如您的数值正确，请告知{kam}。",
    ),
    "held_yours": ("You sent", "您发回的"),
    "held_hq": ("HQ keeps", "总部保留"),
    "rejected_where": ("Tab and cell", "工作表与单元格"),
    "rejected_field": ("What", "内容"),
    "rejected_typed": ("You typed", "您的输入"),
    "rejected_why": ("Why", "原因"),
    "rejected_instead": ("Type instead", "请改为"),
    "type_number": ("a number, 0 or more, digits only (e.g. 12)", "0 或以上的数字，只填数字（如 12）"),
    "type_date": ("a date, e.g. 2026-11-30", "日期，如 2026-11-30"),
    "type_yes_no": ("Y or N", "是 或 否"),
    "type_text": ("text", "文字"),
    "type_one_of": ("one of: {values}", "以下之一：{values}"),
    "sr_act_chase_entries": (
        "Fill the missing weeks in your workbook and send it back, or the store cannot be reviewed.",
        "请在您的工作簿中补录缺失的周数据并发回，否则无法回顾该门店。",
    ),
    "sr_act_close_program": (
        "Close the program on the store tab: Done with its cost, or Dropped with the reason.",
        "请在门店页关闭该活动：完成的标记完成并填写费用，取消的写明原因。",
    ),
    # Store-manager e-mail
    "store_intro": (
        "Here is what the {supplier} plan brings {store} and how it is going, as of {week}.",
        "以下是 {supplier} 计划为 {store} 带来的收益及截至 {week} 的进展。",
    ),
    "sec_brings": ("What the plan brings your store", "本计划为贵店带来的收益"),
    "gain_line": (
        "So far the plan has earned your store {gain} of extra margin, on {incremental} of sales "
        "above your usual level.",
        "截至目前，本计划为贵店带来增量毛利 {gain}，销售额比平时水平多 {incremental}。",
    ),
    "no_gain": (
        "Your extra margin shows here as soon as the weekly sales are entered.",
        "周销售数据录入后，这里将显示贵店的增量毛利。",
    ),
    "not_yet_line": (
        "Sales in your store are not above their usual level yet, so the plan has not added margin for you so "
        "far. Here is what we are doing about it, and what your store can do this week.",
        "目前贵店销售尚未超过平时水平，本计划暂未为贵店带来增量毛利。以下是我们正在采取的措施，以及本周贵店可以配合的事项。",
    ),
    "prog_done": ("Done", "已完成"),
    "prog_dropped": ("Dropped", "已取消"),
    "prog_missed": ("Ended, not done", "已结束，未完成"),
    "prog_running": ("Running", "进行中"),
    "prog_coming": ("Coming", "即将开始"),
    "sec_this_week": ("What we need from you this week", "本周需要贵店配合的事项"),
    "no_asks": (
        "Nothing extra this week: keep the shelf, the display and the price tags as they are.",
        "本周无额外事项：请保持货架、陈列和价签现状。",
    ),
    "ask_action": ("{action} (due {due})", "{action}（{due}前）"),
    "ask_units": (
        "Keep every model of our range on the shelf and tell {sr} as soon as one runs low.",
        "请确保我方全系列机型都在货架上，库存不足时及时告知{sr}。",
    ),
    "ask_value": (
        "Offer the bundles and the higher models to every customer who asks for a phone.",
        "请向每位购机顾客推荐套装和高端机型。",
    ),
    "ask_share": (
        "Keep our products in the agreed place with the price tags right, next to the competitor's.",
        "请将我方产品保持在约定位置、价签准确，并与竞品同场陈列。",
    ),
    "ask_display": (
        "Keep the display to the agreed standard every day; {sr} checks it each week.",
        "请每天保持陈列符合约定标准；{sr}每周检查。",
    ),
    "ask_promoter": (
        "Give the promoters their full days on the floor and tell {sr} when one is missing.",
        "请保证促销员足额在岗，缺勤时告知{sr}。",
    ),
    "sec_coming": ("What comes next", "接下来的安排"),
    "coming_program": ("{name} ({type}), {dates}: {benefit}", "{name}（{type}），{dates}：{benefit}"),
    "no_coming": (
        "No new program is planned for your store before the end of the period; {sr} will tell you of the next one.",
        "本期结束前贵店暂无新活动；{sr}会及时通知下一期安排。",
    ),
    "programs_intro": ("The programs of the plan in your store:", "本计划在贵店的活动："),
    "dates": ("Dates", "日期"),
    "sec_results": ("Results so far", "目前业绩"),
    "measure": ("Measure", "指标"),
    "units_sold": ("Units sold", "销量"),
    "value_sold": ("Sales value", "销售额"),
    "forecast_period": ("Forecast for the period (units)", "本期销量预测"),
    "growth_usual": ("Growth vs your usual level (units)", "相对平时水平增长（销量）"),
    "our_share": ("Our share of the category", "我方品类份额"),
    "sec_agreed": ("The actions we agreed", "我们约定的行动"),
    "no_actions": (
        "No action recorded yet: {sr} will agree the next ones with you.",
        "尚无记录的行动：{sr} 将与您商定下一步行动。",
    ),
    "your_feedback": ("Your feedback", "您的反馈"),
    # Management e-mail
    "hq_intro": (
        "The {account} review as of {week}: {stores} stores, {reporting} with data for the week.",
        "{account} 截至 {week} 的回顾：共 {stores} 家门店，其中 {reporting} 家已录入本周数据。",
    ),
    "sec_summary": ("Account summary", "客户总结"),
    "units_line": ("Units vs target to date", "销量目标达成率（至今）"),
    "value_line": ("Value vs target to date", "销售额目标达成率（至今）"),
    "share_vs": ("Our share vs {competitor}", "我方份额与 {competitor}"),
    "investment_roi": ("Investment → ROI", "投入 → 投资回报率"),
    "relationship_line": ("Relationship (evidence → target)", "客户关系（证据 → 目标）"),
    "sec_sr_ranking": ("SR ranking", "业务代表排名"),
    "sec_regions": ("Region roll-up", "大区汇总"),
    "chart_account": ("Account overview chart", "客户概览图表"),
    "chart_account_alt": (
        "Charts: weekly units vs target, and units vs target to date by SR",
        "图表：每周销量与目标、各业务代表销量目标达成率",
    ),
    "problems_shown": (
        "The {shown} most important of {total}; the full list is on the workbook's '{sheet}' sheet.",
        "显示最重要的 {shown} 条，共 {total} 条；完整列表见工作簿“{sheet}”页。",
    ),
    "flags_by_kind": ("Problems by kind", "问题类型统计"),
    "problems_all": (
        "All {total} problems and opportunities, with owner, due date and status, are on the workbook's '{sheet}' "
        "sheet.",
        "全部{total}条问题与机会（含负责人、截止日期和状态）见工作簿“{sheet}”页。",
    ),
    "sec_headline": ("In short", "要点"),
    "one_pager_file": ("{account} one-page review", "{account}回顾一页纸"),
    "head_no_data": (
        "No weekly entries yet: the first review follows the first week of sell-out.",
        "尚无周报数据：首周销售数据录入后即可回顾。",
    ),
    "head_units_same": (
        "Units are at {units} of target to date and the score is {score} ({rag}).",
        "销量达成率为{units}，总分{score}（{rag}）。",
    ),
    "head_units_but": (
        "Units are at {units} of target to date, but the score is {score} ({rag}) because {reasons}.",
        "销量达成率为{units}，但总分仅{score}（{rag}），原因是{reasons}。",
    ),
    "head_score": ("The score is {score} ({rag}).", "总分{score}（{rag}）。"),
    "reason_kpi": ("{kpi} is at {attainment} of target", "{kpi}仅达目标的{attainment}"),
    "head_roi": (
        "ROI is {roi} ({rag}): {losing} of the {invested} stores with an investment lose money.",
        "投资回报率为{roi}（{rag}）：{invested}家有投入的门店中有{losing}家亏损。",
    ),
    "head_ask": ("We ask you to decide: {asks}.", "请管理层决策：{asks}。"),
    "ask_keep": ("keep {programs}", "保留{programs}"),
    "ask_change": ("change {programs}", "调整{programs}"),
    "ask_stop": ("stop {programs}", "停止{programs}"),
    "sec_since": ("Since the last review", "与上次回顾相比"),
    "since_week": ("Review week", "回顾周"),
    "then": ("Last review", "上次"),
    "now": ("Now", "本次"),
    "change_col": ("Change", "变化"),
    "no_since": (
        "No earlier review of this period is recorded yet: the change shows from the next review on.",
        "尚无本期的更早回顾记录：从下次回顾起显示变化。",
    ),
    "problems_count": ("Problems flagged", "发现的问题"),
    "sec_quadrants": ("Stores per quadrant", "门店四象限分布"),
    "losing_col": ("Of which lose money", "其中亏损"),
    "quad_star": ("replicate what works (fix the cost first where they lose money)", "推广成功做法（亏损门店先控费）"),
    "quad_plan_issue": ("revisit the target or the program", "重新审视目标或活动"),
    "quad_execution_gap": ("coach the execution", "辅导执行"),
    "quad_untapped": ("raise the bar", "提高目标"),
    "sec_programs": ("Per-program ROI", "各活动投资回报"),
    "sec_problem_groups": ("Problems by kind, by money at stake", "按涉及金额排列的问题类型"),
    "at_stake_col": ("At stake", "涉及金额"),
    "top_stores": ("Most at stake", "金额最大的门店"),
    "sec_voice": ("What the stores say", "门店的声音"),
    "voice_stores": ("{text} — {stores} store(s), latest in {week}", "{text}——{stores}家门店，最近{week}"),
    "voice_latest": ("Latest feedback", "最新反馈"),
    "voice_all": ("Everything the stores said is on the workbook's '{sheet}' sheet.", "全部内容见工作簿“{sheet}”页。"),
    "sec_next_period": ("Next period", "下期建议"),
    "next_line": (
        "Suggested units target for the next period: {suggested} ({change} vs this period's {current}); closing the "
        "share gap to the main competitor would take {gap} more units.",
        "下期建议销量目标：{suggested}（较本期{current}变化{change}）；追平主要竞品份额还需多售{gap}台。",
    ),
    # index.html
    "index_title": ("E-mails of {account} · {week}", "{account} 的邮件 · {week}"),
    "index_note": (
        "Written to this folder, not sent. Open a subject to preview the e-mail, or the .eml file in "
        "Outlook or Thunderbird.",
        "已写入本文件夹，尚未发送。点击主题可预览邮件，或用 Outlook、Thunderbird 打开 .eml 文件。",
    ),
    "messages": ("E-mails", "邮件"),
    "total_size": ("Total size", "总大小"),
    "to": ("To", "收件人"),
    "cc": ("Cc", "抄送"),
    "subject": ("Subject", "主题"),
    "size": ("Size", "大小"),
    "attachments": ("Attachments", "附件"),
    "eml_file": ("File", "文件"),
    "skipped_title": ("Not written", "未生成的邮件"),
    "reason": ("Reason", "原因"),
    "skip_no_email": ("no e-mail address in the plan ({field})", "计划中没有邮箱地址（{field}）"),
    "skip_bad_email": ("e-mail address not valid ({value})", "邮箱地址无效（{value}）"),
}


def email_text(key: str, lang: str) -> str:
    """An e-mail word in the language (the review's or the store tab's words when the e-mail has none)."""
    pair = EMAIL.get(key) or REVIEW.get(key) or TAB[key]
    return pair[0] if lang == "en" else pair[1]


# Why a typed value could not be read (kam_xl.model.parsing's ParseError messages), for the zh outputs.
PARSE_REASONS: dict[str, str] = {
    "a number is needed, not TRUE/FALSE": "需要数字，不能是 TRUE/FALSE",
    "a finite number is needed": "需要有限的数字",
    "a number is needed, not a date": "需要数字，不能是日期",
    "the cell shows a spreadsheet error": "单元格显示公式错误",
    "not a number": "不是数字",
    "a whole number is needed": "需要整数",
    "a date is needed, not TRUE/FALSE": "需要日期，不能是 TRUE/FALSE",
    "not a date": "不是日期",
    "day and month could be swapped; write the date as YYYY-MM-DD": "日和月可能颠倒，请按 YYYY-MM-DD 填写日期",
    "not a date; write it as YYYY-MM-DD": "不是日期，请按 YYYY-MM-DD 填写",
    "Y or N is needed": "需要填写 是 或 否",
    "not one of the allowed values": "不在可选值之内",
    "not an e-mail address": "不是邮箱地址",
    "must not be negative": "不能为负数",
}


def reason_text(reason: str, lang: str) -> str:
    """A ParseError's reason in `lang` (English as given; a reason without a translation stays as it is)."""
    if lang == "en":
        return reason
    head, sep, rest = reason.partition(" (allowed: ")
    if head.startswith("not a real date ("):  # the calendar's own words after it (day is out of range…)
        return "不是有效日期（该月没有这一天）" if "day" in head else "不是有效日期"
    words = PARSE_REASONS.get(head, head)
    return f"{words}（可选：{rest.rstrip(')')}）" if sep else words


# The console's words for the review's headline numbers (kam review, kam demo).
CONSOLE: dict[str, tuple[str, str]] = {
    "h_as_of": ("review as of", "回顾截至"),
    "h_as_of_value": ("{week} (week {number} of {weeks})", "{week}（第{number}周，共{weeks}周）"),
    "h_no_entries": ("no entries yet", "尚无录入"),
    "h_score": ("score", "总分"),
    "h_with_rag": ("{value} ({rag})", "{value}（{rag}）"),
    "h_colon": (": ", "："),
    "h_no_score": ("no score yet", "尚无总分"),
    "h_units": ("units vs target to date", "销量目标达成率（至今）"),
    "h_value": ("value vs target to date", "销售额目标达成率（至今）"),
    "h_no_data": ("no data", "无数据"),
    "h_share": ("share vs main competitor", "我方份额与主要竞品"),
    "h_main_competitor": ("main competitor", "主要竞品"),
    "h_share_value": ("{ours} vs {theirs} ({competitor})", "{ours}，{competitor} {theirs}"),
    "h_gain": ("retailer's gain", "零售商收益"),
    "h_roi": ("investment → ROI", "投入 → 投资回报率"),
    "h_quadrants": ("stores per quadrant", "四象限门店数"),
    "h_none": ("none", "无"),
    "h_relationship": ("relationship", "客户关系"),
    "h_relationship_value": ("{now} (target {target})", "{now}（目标：{target}）"),
    "h_problems": ("problems flagged", "发现的问题"),
    "h_problems_value": ("{problems} (and {opportunities} opportunities)", "{problems}条（另有{opportunities}个机会）"),
    "green": ("green", "绿"),
    "amber": ("amber", "黄"),
    "red": ("red", "红"),
}


def console_text(key: str, lang: str) -> str:
    """A console word of the review's headline in `lang`."""
    pair = CONSOLE[key]
    return pair[0] if lang == "en" else pair[1]
