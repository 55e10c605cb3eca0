"""What the `kam` commands print and what the collect log says, in English and Chinese.

Every sentence is a template with named values ({book}, {count}…); `say(key, lang, **values)` fills it in.
The language is the workbook's (its plan language, kam_xl.plan.meta.book_language), `--lang` for init and demo.
Chinese uses full-width punctuation (：，；（）) and no spaces around Chinese words.
"""

from __future__ import annotations

LINES: dict[str, tuple[str, str]] = {
    # kam init / validate / generate / split
    "wrote_demo": (
        "Wrote {book} (demo account, {stores} stores, {language})",
        "已生成 {book}（演示客户，{stores}家门店，{language}）",
    ),
    "wrote_empty": ("Wrote {book} (empty template, {language})", "已生成 {book}（空白模板，{language}）"),
    "validated": ("{book}: {errors} error(s), {warnings} warning(s)", "{book}：{errors}个错误，{warnings}个警告"),
    "problem_line": ("{where}: {tag}{message}{found}", "{where}：{tag}{message}{found}"),
    "problem_warning": ("warning: ", "警告："),
    "problem_value": (" ({value!r})", "（{value}）"),
    "tabs_written": ("{book}: {count} store tab(s) written", "{book}：已写入{count}个门店页"),
    "tabs_unchanged": (
        "{book}: nothing changed, not saved ({count} store tab(s) already up to date)",
        "{book}：没有变化，未保存（{count}个门店页已是最新）",
    ),
    "tab_renamed": ("  {store}: tab renamed {old!r} -> {new!r}", "  {store}：门店页“{old}”改名为“{new}”"),
    "tabs_kept_inactive": (
        "  kept {count} tab(s) of stores no longer in the plan (marked inactive): {stores}",
        "  保留了{count}个已不在计划中的门店页（标为停用）：{stores}",
    ),
    "store_id_changed": (
        "  {new} is a new store with the name of {old}, whose tab keeps its values (inactive): if you changed the "
        "store's ID in the Stores sheet, change it back to {old} and run generate again — the ID is how kam knows "
        "a store (its tab, its SR's files, its history)",
        "  {new}是新门店，但与{old}同名，而{old}的门店页保留着已录入的数据（已停用）："
        "如您在门店表中修改了门店编号，请改回{old}后再运行 generate——"
        "kam 依靠编号识别门店（门店页、业务代表文件与历史记录）",
    ),
    "tabs_removed": (
        "  removed {count} empty tab(s) of stores no longer in the plan",
        "  删除了{count}个已不在计划中的空门店页",
    ),
    "split_file": ("  {file}: {name} ({sr}), {count} store(s)", "  {file}：{name}（{sr}），{count}家门店"),
    "split_done": (
        "{count} SR workbook(s) in {folder}; list: {index}",
        "业务代表文件{count}个，位于：{folder}；清单：{index}",
    ),
    "split_moved": (
        "--force: {count} file(s) that were in the way moved to {folder}: {files}",
        "--force：{count}个挡路的文件已移到 {folder}：{files}",
    ),
    # kam review / email
    "review_written": ("{book}: scorecards written ({sheets})", "{book}：已写入记分卡（{sheets}）"),
    "review_unchanged": (
        "{book}: nothing changed, not saved (the scorecards in the workbook are up to date)",
        "{book}：没有变化，未保存（工作簿中的记分卡已是最新）",
    ),
    "warning": ("warning: {text}", "警告：{text}"),
    "warn_unread": (
        "{where}: cannot be read as a {kind}; left out of the review",
        "{where}：无法识别为{kind}，未计入回顾",
    ),
    "warn_unread_more": ("... and {count} more cells that cannot be read", "……另有{count}个无法识别的单元格"),
    "kind_number": ("number", "数字"),
    "kind_date": ("date", "日期"),
    "kind_yes_no": ("yes_no", "是/否"),
    "kind_enum": ("enum", "列表值"),
    "kind_text": ("text", "文字"),
    "warn_plan_changed": (
        "the plan changed after the store tabs were generated: run `kam generate BOOK` so the tabs show the targets "
        "the review uses",
        "门店页生成后计划有改动：请运行 `kam generate BOOK`，使门店页显示回顾所用的目标",
    ),
    "warn_no_tab": (
        "{count} active store(s) have no tab yet and count as not reporting (run `kam generate BOOK`): {stores}",
        "{count}家在营门店还没有门店页，按未上报处理（请运行 `kam generate BOOK`）：{stores}",
    ),
    "emails_written": ("{count} e-mail(s) written; open {index}", "已生成{count}封邮件；打开 {index}"),
    "email_skipped": ("not written: {kind} {key} {name}: {reason}", "未生成：{kind} {key}{name}：{reason}"),
    # history, --force, backups
    "history_caught_up": (
        "  history: caught up {count} value(s) the database lacked ({db})",
        "  历史数据库：补记了{count}个数据库缺少的数值（{db}）",
    ),
    "history_recorded": ("  history: {count} row(s) recorded in {db}", "  历史数据库：已记录{count}行到 {db}"),
    "forced": ("--force: {note}", "--force：{note}"),
    "backup": ("  backup: {path}", "  备份：{path}"),
    # kam collect / import
    "file_refused": ("{file}: refused — {reason}", "{file}：拒收——{reason}"),
    "file_skipped": ("{file}: skipped — {reason}", "{file}：跳过——{reason}"),
    "file_merged": (
        "{file} ({sr}): {status}, {stores} store(s), {new} new, {changed} changed, {rejected} rejected, "
        "{kept} blank kept{held}{refused}",
        "{file}（{sr}）：{status}，{stores}家门店，新增{new}，修改{changed}，拒收{rejected}，空白保留{kept}{held}{refused}",
    ),
    "status_merged": ("merged", "已合并"),
    "status_unchanged": ("unchanged", "无变化"),
    "values_held": (", {count} HQ correction(s) kept", "，保留总部修改{count}个"),
    "tabs_refused": (", {count} tab(s) refused", "，拒收{count}个门店页"),
    "written_saved": ("{count} value(s) written; workbook saved", "已写入{count}个数值；工作簿已保存"),
    "written_unsaved": (
        "{count} value(s) written; nothing changed, not saved",
        "已写入{count}个数值；没有变化，未保存",
    ),
    "log_line": ("{what}: {place}: {reason}{change}", "{what}：{place}：{reason}{change}"),
    "log_change": (" [{old} -> {new}]", "（{old} → {new}）"),
    "log_typed": (" ({new})", "（{new}）"),
    "log_key": ("Field key (kam)", "字段键（系统）"),
    "action_row": ("action {row} · {field}", "行动{row} · {field}"),
    "log_row": ("row {row}", "第{row}行"),
    # the collect log's reasons (kam_xl.execution.collect, importing, srfile)
    "why_kept": (
        "blank in the file: the HQ value is kept (clear it in HQ if it should go)",
        "文件中为空：保留总部数值（如应删除，请在总部工作簿中清除）",
    ),
    "why_changed": ("the SR file has another value", "业务代表文件中的数值不同"),
    "why_inactive": (
        "store {store} is no longer in the plan: its values are kept on its inactive HQ tab but not reviewed (if its "
        "ID was changed in the Stores sheet, change it back and run generate)",
        "门店{store}已不在计划中：其数值保存在总部已停用的门店页上，但不参与回顾"
        "（如门店表中的编号被修改，请改回后运行 generate）",
    ),
    "why_held": (
        "changed in HQ after the SR's file brought this value, and the file still has it: HQ's value ({old}) is kept "
        "(type {new} in HQ if the SR's value is the right one)",
        "业务代表文件带来此数值后，总部已将其修改，而文件中仍是原值：保留总部的数值（{old}）（如业务代表的数值正确，请在总部工作簿中改为{new}）",
    ),
    "blank_value": ("blank", "空白"),
    "why_changed_both": (
        "changed in HQ and in the SR's file since it was last collected: the file's newer value is taken",
        "上次收集后总部和业务代表文件中均有修改：采用文件中的新数值",
    ),
    "why_report_held": (
        "changed in HQ after an earlier report brought this value, and this report still has it: HQ's value "
        "({old}) is kept (type {new} in HQ if the report's value is the right one)",
        "之前的报表带来此数值后，总部已将其修改，而本报表中仍是原值：保留总部的数值（{old}）（如报表数值正确，请在总部工作簿中改为{new}）",
    ),
    "why_report_changed_both": (
        "changed in HQ and in the report since it was last imported: the report's value is taken",
        "上次导入后总部和报表中均有修改：采用报表中的数值",
    ),
    "why_report_changed": ("the report has another value", "报表中的数值不同"),
    "why_merged": (
        "{stores} store(s): {new} new, {changed} changed, {rejected} rejected",
        "{stores}家门店：新增{new}，修改{changed}，拒收{rejected}",
    ),
    "why_collected": (
        "already collected on {time} (as {file}; same content) — nothing to do; send a file with new figures to "
        "change HQ",
        "已于 {time} 回收（文件：{file}，内容相同）——无需操作；如需修改总部数据，请发送有新数据的文件",
    ),
    "why_imported": (
        "already imported on {time} (as {file}; same content) — nothing to do",
        "已于 {time} 导入（文件：{file}，内容相同）——无需操作",
    ),
    "why_same_content": ("same content as {file}, merged once", "与 {file} 内容相同，只合并一次"),
    "why_renamed": (
        "tab {tab!r} was renamed in the file; recognised by its store ID",
        "门店页“{tab}”在文件中被改名；已按门店编号识别",
    ),
    "why_tab_missing": (
        "the tab of store {store} is missing from the file: nothing merged for it",
        "文件中缺少门店 {store} 的门店页：该门店没有合并任何数据",
    ),
    "why_not_a_tab": ("not a store tab (no store ID label): ignored", "不是门店页（没有门店编号标签）：已忽略"),
    "why_not_found": ("file not found — check the path and the file name", "找不到文件——请检查路径和文件名"),
    "why_no_field": ("no such field in HQ", "总部工作簿中没有这一项"),
    # kam next-period
    "next_made": (
        "{out}: the next period {start} to {end} ({weeks} weeks), {stores} store(s); run `kam generate {name}` to "
        "make its store tabs",
        "{out}：下一期 {start} 至 {end}（{weeks}周），{stores}家门店；运行 `kam generate {name}` 生成门店页",
    ),
    "next_targets": ("targets from the Next period sheet: {targets}", "目标（来自“下期建议”页）：{targets}"),
    "next_baselines": (
        "baselines from the run-rate of {stores} store(s) (mean of the weeks reported; fewer than {weeks} weeks "
        "blended with the old baseline)",
        "基线来自{stores}家门店的当前周均（已报各周的平均值；不足{weeks}周的与原基线加权合并）",
    ),
    "next_actions": (
        "open store actions carried (into the store tabs generate makes): {count}",
        "结转的未完成门店行动（写入 `kam generate` 生成的门店页）：{count}",
    ),
    "next_programs": (
        "programs kept: {kept}; ended and dropped: {dropped}",
        "保留的活动：{kept}；已结束并删除：{dropped}",
    ),
    "next_inactive": ("inactive stores left out: {stores}", "未纳入的停用门店：{stores}"),
    "next_caps": (
        "KPI {kpi}: growth caps removed, they could not hold the new target ({why})",
        "指标 {kpi}：原增长上下限无法满足新目标，已取消（各门店目标按新目标重新分配）",
    ),
    "none": ("none", "无"),
    "list_sep": (", ", "、"),
    # kam demo
    "demo_in": ("kam_xl demo in {folder}", "kam_xl 演示：{folder}"),
    "demo_collect": ("collect", "回收"),
    "made_kept": (
        "your workbooks from before, changed since the last demo: moved here, not replaced",
        "上次演示之后改动过的工作簿：已移到此处保留，未被覆盖",
    ),
    "made_book": ("HQ workbook (account plan)", "总部工作簿（客户计划）"),
    "made_tabs": ("store plan tabs ({count})", "门店计划页（{count}）"),
    "made_sr_files": ("SR workbooks ({count})", "业务代表文件（{count}）"),
    "made_index": ("who gets which SR workbook", "业务代表文件分发清单"),
    "made_report": ("the retailer's sell-out report of the next week (imported)", "零售商下一周的销售日报（已导入）"),
    "made_scorecards": ("scorecards: {sheets}", "记分卡：{sheets}"),
    "made_emails": ("e-mails ({count}): open in a browser", "邮件（{count}）：用浏览器打开"),
    "made_book_2": ("HQ workbook of period 2 ({start} to {end})", "第2期总部工作簿（{start} 至 {end}）"),
    "made_sr_files_2": ("SR workbooks of period 2 ({count})", "第2期业务代表文件（{count}）"),
    "made_scorecards_2": ("period 2 scorecards and trends: {sheets}", "第2期记分卡与趋势：{sheets}"),
    "fact_account": ("account", "客户"),
    "fact_stores": ("stores", "门店数"),
    "fact_active": ("active stores", "在营门店数"),
    "fact_srs": ("sales reps", "业务代表数"),
    "fact_weeks": ("weeks", "周数"),
    "fact_check": ("plan check", "计划检查"),
    "check_ok": ("no errors", "无错误"),
    "check_errors": ("{count} error(s)", "{count}个错误"),
    "fact_typed": (
        "SR entries typed ({weeks} weeks, a few mistakes on purpose)",
        "业务代表录入的数值（{weeks}周，故意含少量错误）",
    ),
    "fact_collected": ("SR entries collected", "已回收的数值"),
    "fact_rejected": ("SR entries rejected (see the collect log)", "拒收的数值（见回收日志）"),
    "fact_refused": ("SR files refused", "拒收的业务代表文件"),
    "fact_imported": ("values imported from the retailer's report", "从零售商报表导入的数值"),
    "fact_edit": (
        "the KAM's edit on the Next period sheet: {kpi} target of store {store}",
        "大客户经理在“下期建议”页的修改：门店 {store} 的 {kpi} 目标",
    ),
    "fact_targets_2": ("period 2 targets (from the Next period sheet)", "第2期目标（来自“下期建议”页）"),
    "fact_actions_2": ("open store actions carried into period 2", "结转到第2期的未完成门店行动"),
    "fact_collected_2": ("period 2: SR entries collected", "第2期：已回收的数值"),
    "fact_period_2": ("period 2 {name}", "第2期{name}"),
}

# The stages of long work (kam_xl.progress), as the progress bars show them.
STAGES: dict[str, str] = {
    "reading store tabs": "读取门店页",
    "writing store tabs": "写入门店页",
    "writing e-mails": "生成邮件",
    "sending e-mails": "发送邮件",
    "writing sheets": "写入工作表",
    "writing SR workbooks": "生成业务代表文件",
    "reading SR files": "读取业务代表文件",
    "merging into the HQ workbook": "合并到总部工作簿",
}


def say(key: str, lang: str, **values: object) -> str:
    """The sentence `key` in `lang`, filled in with `values`."""
    template = LINES[key][0 if lang == "en" else 1]
    return template.format(**values) if values else template


def stage_words(stage: str, lang: str) -> str:
    """A progress stage as the bars show it in `lang` (a stage without a translation stays as it is)."""
    return stage if lang == "en" else STAGES.get(stage, stage)


def problem_line(problem, lang: str) -> str:
    """A validation Problem (kam_xl.errors) as `Sheet!Cell: what is wrong (value)` in `lang`."""
    where = f"{problem.sheet}!{problem.cell}" if problem.cell else problem.sheet
    found = "" if problem.value in (None, "") else say("problem_value", lang, value=problem.value)
    tag = "" if problem.is_error else say("problem_warning", lang)
    return say("problem_line", lang, where=where, tag=tag, message=problem.message, found=found)
