"""English and Chinese words of the workbooks: sheet names, labels and list values."""

from __future__ import annotations

import re

from kam_xl.errors import KamError

LANGUAGES = ("en", "zh")

# Sheet names (the key is used in code, the words are what the user sees).
SHEETS: dict[str, tuple[str, str]] = {
    "readme": ("README", "使用说明"),
    "account": ("Account", "客户概况"),
    "needs": ("Needs", "客户需求"),
    "objectives": ("Objectives", "目标"),
    "programs": ("Programs", "活动方案"),
    "competition": ("Competition", "竞争"),
    "stores": ("Stores", "门店"),
    "calendar": ("Calendar", "日历"),
    "meta": ("_meta", "_meta"),
    "xlwings": ("xlwings.conf", "xlwings.conf"),
    "collected": ("_collected", "_collected"),
    "carried": ("_carried", "_carried"),
    "collect_log": ("Collect log", "回收日志"),
    "my_stores": ("My stores", "我的门店"),
    "this_week": ("This week", "本周录入"),
    "sc_store": ("Store scorecard", "门店记分卡"),
    "sc_sr": ("SR scorecard", "业务代表记分卡"),
    "sc_region": ("Region scorecard", "大区记分卡"),
    "sc_tier": ("Tier scorecard", "门店级别记分卡"),
    "sc_account": ("Account summary", "客户总结"),
    "sc_problems": ("Problems & opportunities", "问题与机会"),
    "sc_next": ("Next period", "下期建议"),
    "sc_programs": ("Program ROI", "活动投资回报"),
    "sc_voice": ("Voice of the store", "门店之声"),
}

# List values: canonical key -> (English, Chinese). The workbook shows the words;
# the code works with the keys. Readers accept either language and the key itself.
ENUMS: dict[str, dict[str, tuple[str, str]]] = {
    "store_tier": {"A": ("A", "A"), "B": ("B", "B"), "C": ("C", "C")},
    "city_tier": {
        "t1": ("Tier 1", "一线"),
        "nt1": ("New tier 1", "新一线"),
        "t2": ("Tier 2", "二线"),
        "t3": ("Tier 3", "三线"),
        "t4": ("Tier 4", "四线"),
    },
    "format": {
        "flagship": ("Flagship", "旗舰店"),
        "mall": ("Mall", "商场店"),
        "street": ("Street", "街边店"),
        "department": ("Department store", "百货店"),
    },
    "program_type": {
        "promotion": ("Promotion", "促销"),
        "display": ("Display", "陈列"),
        "promoter": ("Promoter", "促销员"),
        "training": ("Training", "培训"),
        "launch": ("Launch", "新品上市"),
        "ranging": ("Ranging", "铺货"),
    },
    "yes_no": {"yes": ("Y", "是"), "no": ("N", "否")},
    "relationship": {
        "supplier": ("Supplier", "供货商"),
        "problem_solver": ("Problem solver", "解决问题者"),
        "resource": ("Enterprise resource", "企业资源"),
        "partner": ("Partner", "合作伙伴"),
    },
    "need_category": {
        "traffic": ("Traffic", "客流"),
        "margin": ("Margin", "毛利"),
        "inventory": ("Inventory", "库存"),
        "operations": ("Operations", "运营"),
        "finance": ("Finance", "财务"),
        "competition": ("Competition", "竞争"),
        "consumer": ("Consumer", "消费者"),
    },
    "priority": {"high": ("High", "高"), "medium": ("Medium", "中"), "low": ("Low", "低")},
    "kpi_type": {"sum": ("Sum", "累计"), "rate": ("Rate", "比率")},
    "direction": {
        "higher": ("Higher is better", "越高越好"),
        "lower": ("Lower is better", "越低越好"),
    },
    "basis": {
        "baseline": ("Baseline x tier", "基线×级别系数"),
        "tier": ("Tier", "级别系数"),
        "equal": ("Equal", "平均"),
        "manual": ("Manual", "手动权重"),
    },
    "kpi_group": {"result": ("Result", "结果"), "execution": ("Execution", "执行")},
    "measure": {
        "units": ("Sell-out units", "销量"),
        "value": ("Sell-out value", "销售额"),
        "share": ("Market share", "市场份额"),
        "display": ("Display compliance", "陈列达标率"),
        "promoter": ("Promoter attendance", "促销员出勤率"),
        "programs": ("Program execution", "活动执行率"),
        "actions": ("Action completion", "行动完成率"),
    },
    "program_status": {
        "planned": ("Planned", "计划"),
        "agreed": ("Agreed", "已确认"),
        "done": ("Done", "完成"),
        "dropped": ("Dropped", "取消"),
    },
    "action_status": {
        "open": ("Open", "进行中"),
        "done": ("Done", "完成"),
        "dropped": ("Dropped", "取消"),
    },
    "owner": {"sr": ("SR", "业务代表"), "store": ("Store", "门店"), "hq": ("HQ", "总部")},
    "severity": {"high": ("High", "高"), "medium": ("Medium", "中"), "low": ("Low", "低")},
    "tracker_status": {
        "open": ("Open", "待处理"),
        "in_progress": ("In progress", "处理中"),
        "done": ("Done", "已解决"),
        "gone": ("Gone at this review", "本次回顾已消除"),
    },
    "all": {"all": ("All", "全部")},
}

# Extra spellings people type, mapped to keys (lower-cased, spaces removed).
ENUM_ALIASES: dict[str, dict[str, str]] = {
    "yes_no": {
        "y": "yes",
        "yes": "yes",
        "true": "yes",
        "1": "yes",
        "是": "yes",
        "对": "yes",
        "√": "yes",
        "✓": "yes",
        "ok": "yes",
        "有": "yes",
        "n": "no",
        "no": "no",
        "false": "no",
        "0": "no",
        "否": "no",
        "不": "no",
        "×": "no",
        "✗": "no",
        "不是": "no",
        "无": "no",
        "没有": "no",
    },
    "relationship": {"problemsolver": "problem_solver", "enterpriseresource": "resource"},
    "basis": {"baseline": "baseline", "baselinextier": "baseline", "基线": "baseline"},
    "program_status": {"已完成": "done", "完成": "done", "计划中": "planned", "已取消": "dropped"},
    "action_status": {"已完成": "done", "open": "open", "未完成": "open", "已取消": "dropped"},
    "kpi_type": {"sum": "sum", "rate": "rate", "总量": "sum", "比例": "rate"},
}


def check_language(lang: str) -> str:
    """`lang` when it is one kam_xl speaks (en, zh); KamError otherwise."""
    if lang not in LANGUAGES:
        raise KamError(f"unknown language {lang!r}: use one of {', '.join(LANGUAGES)}")
    return lang


def _pick(pair: tuple[str, str], lang: str) -> str:
    return pair[0] if lang == "en" else pair[1]


def sheet_name(key: str, lang: str) -> str:
    """The name of one of kam_xl's sheets (by key) in `lang`."""
    return _pick(SHEETS[key], lang)


def sheet_key(name: str) -> str | None:
    """The key of a sheet from its name in either language (case and spaces ignored)."""
    wanted = fold(name)
    for key, pair in SHEETS.items():
        if wanted in (fold(pair[0]), fold(pair[1])):
            return key
    return None


def enum_label(kind: str, key: str, lang: str) -> str:
    """The label of a list value (kind, key) in `lang`; KeyError for an unknown key."""
    return _pick(ENUMS[kind][key], lang)


def enum_labels(kind: str, lang: str) -> list[str]:
    """Every label of a list in `lang`, in the list's order (what a drop-down offers)."""
    return [_pick(pair, lang) for pair in ENUMS[kind].values()]


def fold(text: str) -> str:
    """Text compared ignoring case and every space (how headers and list values are matched)."""
    return "".join(str(text).split()).casefold()


_ENUM_INDEX: dict[str, dict[str, str]] = {}


def _index(kind: str) -> dict[str, str]:
    if kind not in _ENUM_INDEX:
        table = {}
        for key, (en, zh) in ENUMS[kind].items():
            for word in (key, en, zh):
                table[fold(word)] = key
        table.update(ENUM_ALIASES.get(kind, {}))
        _ENUM_INDEX[kind] = table
    return _ENUM_INDEX[kind]


def enum_key(kind: str, text: object) -> str | None:
    """The canonical key for what a person typed in a list cell, or None if not recognised."""
    if text is None:
        return None
    return _index(kind).get(fold(str(text)))


def language_of_sheet_names(names: list[str]) -> str | None:
    """Which language a workbook uses, judged by its plan sheet names."""
    for lang_index, lang in enumerate(LANGUAGES):
        if SHEETS["stores"][lang_index] in names and SHEETS["objectives"][lang_index] in names:
            return lang
    return None


_LABEL_COLON = re.compile(r"(?<=[\u4e00-\u9fff）]): ")
_BRACKETS = re.compile(r" ?\(([^()\n<>]*[\u4e00-\u9fff][^()\n<>]*)\)|(?<=[\u4e00-\u9fff]) \(([^()\n<>]*)\)")


def full_width(text: str) -> str:
    """Chinese typography for a text made from templates shared with English: a label's colon as "：", brackets
    around or after Chinese words as "（…）" with "，" between the items inside."""
    text = _BRACKETS.sub(lambda m: "（" + (m.group(1) or m.group(2)).replace(", ", "，") + "）", text)
    return _LABEL_COLON.sub("：", text)
