"""Fixed facts the demo account is drawn from: real Chinese cities, people's names, programs, texts."""

from __future__ import annotations

# region key -> (English, Chinese)
REGIONS = {
    "east": ("East", "华东"),
    "north": ("North", "华北"),
    "south": ("South", "华南"),
    "central": ("Central", "华中"),
    "southwest": ("Southwest", "西南"),
    "northwest": ("Northwest", "西北"),
    "northeast": ("Northeast", "东北"),
}

# (English, Chinese, region, city tier)
CITIES = (
    ("Shanghai", "上海", "east", "t1"), ("Hangzhou", "杭州", "east", "nt1"), ("Nanjing", "南京", "east", "nt1"),
    ("Suzhou", "苏州", "east", "nt1"), ("Hefei", "合肥", "east", "nt1"), ("Ningbo", "宁波", "east", "nt1"),
    ("Qingdao", "青岛", "east", "nt1"), ("Wuxi", "无锡", "east", "t2"), ("Jinan", "济南", "east", "t2"),
    ("Fuzhou", "福州", "east", "t2"), ("Xiamen", "厦门", "east", "t2"), ("Wenzhou", "温州", "east", "t2"),
    ("Changzhou", "常州", "east", "t2"), ("Nanchang", "南昌", "east", "t2"), ("Yangzhou", "扬州", "east", "t3"),
    ("Ganzhou", "赣州", "east", "t3"),
    ("Beijing", "北京", "north", "t1"), ("Tianjin", "天津", "north", "nt1"),
    ("Shijiazhuang", "石家庄", "north", "t2"), ("Taiyuan", "太原", "north", "t2"),
    ("Hohhot", "呼和浩特", "north", "t3"), ("Baoding", "保定", "north", "t3"), ("Tangshan", "唐山", "north", "t3"),
    ("Handan", "邯郸", "north", "t3"), ("Datong", "大同", "north", "t4"),
    ("Guangzhou", "广州", "south", "t1"), ("Shenzhen", "深圳", "south", "t1"), ("Dongguan", "东莞", "south", "nt1"),
    ("Foshan", "佛山", "south", "nt1"), ("Nanning", "南宁", "south", "t2"), ("Zhuhai", "珠海", "south", "t2"),
    ("Huizhou", "惠州", "south", "t2"), ("Haikou", "海口", "south", "t3"), ("Shantou", "汕头", "south", "t3"),
    ("Guilin", "桂林", "south", "t3"), ("Zhanjiang", "湛江", "south", "t3"),
    ("Wuhan", "武汉", "central", "nt1"), ("Changsha", "长沙", "central", "nt1"),
    ("Zhengzhou", "郑州", "central", "nt1"), ("Luoyang", "洛阳", "central", "t3"), ("Yichang", "宜昌", "central", "t3"),
    ("Xiangyang", "襄阳", "central", "t3"), ("Zhuzhou", "株洲", "central", "t3"), ("Kaifeng", "开封", "central", "t4"),
    ("Chengdu", "成都", "southwest", "nt1"), ("Chongqing", "重庆", "southwest", "nt1"),
    ("Kunming", "昆明", "southwest", "t2"), ("Guiyang", "贵阳", "southwest", "t2"),
    ("Mianyang", "绵阳", "southwest", "t3"), ("Zunyi", "遵义", "southwest", "t3"), ("Dali", "大理", "southwest", "t4"),
    ("Xi'an", "西安", "northwest", "nt1"), ("Lanzhou", "兰州", "northwest", "t2"), ("Urumqi", "乌鲁木齐", "northwest", "t2"),
    ("Yinchuan", "银川", "northwest", "t3"), ("Xining", "西宁", "northwest", "t3"), ("Baoji", "宝鸡", "northwest", "t4"),
    ("Shenyang", "沈阳", "northeast", "nt1"), ("Dalian", "大连", "northeast", "t2"), ("Harbin", "哈尔滨", "northeast", "t2"),
    ("Changchun", "长春", "northeast", "t2"), ("Anshan", "鞍山", "northeast", "t3"), ("Daqing", "大庆", "northeast", "t3"),
    ("Qiqihar", "齐齐哈尔", "northeast", "t4"),
)

CITY_SIZE = {"t1": 10.0, "nt1": 6.0, "t2": 3.0, "t3": 1.5, "t4": 1.0}
STORE_TIER_ODDS = {
    "t1": (0.45, 0.40, 0.15), "nt1": (0.30, 0.45, 0.25), "t2": (0.15, 0.45, 0.40),
    "t3": (0.05, 0.35, 0.60), "t4": (0.02, 0.28, 0.70),
}
FORMAT_ODDS = {
    "A": (("flagship", 0.35), ("mall", 0.45), ("department", 0.20)),
    "B": (("mall", 0.50), ("street", 0.30), ("department", 0.20)),
    "C": (("street", 0.70), ("mall", 0.20), ("department", 0.10)),
}
BASE_UNITS = {"A": 60.0, "B": 25.0, "C": 10.0}
PRICE = {"A": 3200.0, "B": 2800.0, "C": 2400.0}

DISTRICTS = (
    ("Renmin Road", "人民路"), ("Wanda Plaza", "万达广场"), ("Central", "中心"), ("Station", "火车站"),
    ("New Town", "新城"), ("Riverside", "滨江"), ("University Town", "大学城"), ("Jianshe Road", "建设路"),
    ("Zhongshan Road", "中山路"), ("Jiefang Road", "解放路"), ("High-tech Zone", "高新区"), ("Old Town", "老城"),
    ("Airport Road", "机场路"), ("Century Square", "世纪广场"), ("Harbour City", "海港城"), ("East Gate", "东门"),
)

SURNAMES = (
    ("Wang", "王"), ("Li", "李"), ("Zhang", "张"), ("Liu", "刘"), ("Chen", "陈"), ("Yang", "杨"), ("Huang", "黄"),
    ("Zhao", "赵"), ("Wu", "吴"), ("Zhou", "周"), ("Xu", "徐"), ("Sun", "孙"), ("Ma", "马"), ("Zhu", "朱"),
    ("Hu", "胡"), ("Guo", "郭"), ("He", "何"), ("Lin", "林"), ("Gao", "高"), ("Luo", "罗"),
)
GIVEN_NAMES = (
    ("Wei", "伟"), ("Fang", "芳"), ("Na", "娜"), ("Min", "敏"), ("Jing", "静"), ("Lei", "磊"), ("Qiang", "强"),
    ("Yang", "洋"), ("Yan", "艳"), ("Jie", "杰"), ("Tao", "涛"), ("Ming", "明"), ("Chao", "超"), ("Xiuying", "秀英"),
    ("Hui", "慧"), ("Jun", "军"), ("Ping", "平"), ("Gang", "刚"), ("Li", "丽"), ("Hao", "浩"), ("Yu", "宇"),
    ("Xin", "欣"), ("Bo", "博"), ("Lan", "兰"), ("Kai", "凯"), ("Ning", "宁"), ("Rui", "睿"), ("Tingting", "婷婷"),
)

# Weeks of 2026 Q4 (ISO weeks 40-52) with season weights and holidays.
PERIOD_START = (2026, 9, 28)
SEASON = {
    40: (1.6, ("National Day Golden Week", "国庆黄金周")), 41: (1.2, ("Golden Week tail", "国庆假期尾声")),
    45: (1.2, ("Double 11 pre-sale", "双十一预售")), 46: (1.8, ("Double 11", "双十一")),
    47: (1.1, ("", "")), 52: (1.3, ("Christmas", "圣诞")),
}

ACCOUNT = {
    "name": ("Huaxin Electronics Retail", "华信电器"),
    "short": ("Huaxin", "华信"),
    "supplier": ("Aurora Mobile", "极光手机"),
    "kam": (("Chen", "陈"), ("Jing", "静")),
    "management": ("sales.director@example.com", "vp.retail@example.com"),
    "strategy": (
        "Huaxin wants more traffic in lower-tier cities, higher ticket size through bundles and services, "
        "faster stock turn on accessories, and trade-in as its answer to online price pressure.",
        "华信希望提升下沉城市客流，通过套餐和服务提升客单价，加快配件周转，并以以旧换新应对线上价格压力。",
    ),
    "value": (
        "Aurora brings traffic-driving launches, funded promoters and displays, staff training and weekly "
        "store-level data, so each store grows sell-out and margin with less stock risk.",
        "极光提供引流新品、出资的促销员与陈列、店员培训和每周门店数据，帮助每家门店以更低库存风险提升销量与毛利。",
    ),
}

# (id, (en, zh) name, type, start (m, d), end (m, d), tiers, region keys, formats, cost, uplift,
#  (en, zh) benefit, kpi, need)
PROGRAMS = (
    ("P01", ("Golden Week bundle promotion", "国庆套餐促销"), "promotion", (9, 28), (10, 11), (), (), (), 2000, 0.15,
     ("Extra holiday traffic; bundles add about CNY 300 to the ticket.", "节日高峰引流；套餐提升客单价约300元。"), "K1", "N1"),
    ("P02", ("Flagship experience zone", "旗舰体验区"), "display", (9, 28), (12, 27), ("A",), (),
     ("flagship", "mall"), 25000, 0.10,
     ("A branded zone that draws footfall to the whole floor.", "品牌体验区为整层卖场带来客流。"), "K3", "N2"),
    ("P03", ("Weekend promoters", "周末促销员"), "promoter", (10, 12), (12, 27), ("A", "B"),
     ("east", "south", "north"), (), 9000, 0.08,
     ("Two trained promoters every weekend, paid by Aurora.", "每个周末两名由极光出资的专业促销员。"), "K5", "N4"),
    ("P04", ("Double 11 flagship phone launch", "双十一新机首发"), "launch", (11, 2), (11, 15), (), (), (), 3000, 0.20,
     ("First stock of the new phone and launch-day events.", "新机首批货源与首发活动。"), "K2", "N1"),
    ("P05", ("Store staff product training", "店员产品培训"), "training", (10, 12), (11, 30), ("B", "C"),
     ("central", "southwest", "northwest", "northeast"), (), 800, 0.05,
     ("Staff who sell up to higher models with confidence.", "店员更有信心推荐高端机型。"), "K4", "N4"),
    ("P06", ("Wearables ranging", "可穿戴产品铺货"), "ranging", (11, 16), (12, 27), ("A", "B"), (),
     ("mall", "department"), 5000, 0.04,
     ("Higher-margin accessories with sale-or-return terms.", "高毛利配件，可退货条款。"), "K2", "N3"),
    ("P07", ("Trade-in campaign", "以旧换新"), "promotion", (11, 23), (12, 27), (), ("east", "north", "south"), (),
     4000, 0.12,
     ("Trade-in subsidy funded by Aurora brings upgrade buyers.", "极光出资的以旧换新补贴吸引换机客户。"), "K1", "N6"),
)

# (id, (en, zh) need, category, priority, answer, (en, zh) value)
NEEDS = (
    ("N1", ("More traffic in holiday peaks", "节假日高峰客流"), "traffic", "high", ("P01", "P04"),
     ("Footfall and conversion in the weeks that make the quarter", "决定季度成败的几周内的客流与转化")),
    ("N2", ("Higher ticket size and margin", "提升客单价与毛利"), "margin", "high", ("P02", "P06"),
     ("More margin per square metre", "单位面积毛利提升")),
    ("N3", ("Faster stock turn on accessories", "加快配件库存周转"), "inventory", "medium", ("P06",),
     ("Less cash tied up in slow stock", "减少滞销库存占用资金")),
    ("N4", ("Staff capability in lower-tier stores", "下沉门店店员能力"), "operations", "medium", ("P03", "P05"),
     ("Staff who convert more visitors", "店员转化更多进店客户")),
    ("N5", ("Defend share against subsidised rivals", "应对补贴竞品守住份额"), "competition", "high", ("P03", "P07"),
     ("Keeps the category's price level healthy", "保持品类价格健康")),
    ("N6", ("Consumers ask for trade-in", "消费者需要以旧换新"), "consumer", "medium", ("P07",),
     ("An answer to online price offers", "应对线上低价的办法")),
)

# (name (en, zh), share, strategy (en, zh), response (en, zh), kpi, main)
COMPETITORS = (
    (("Vertex", "峰锐"), 0.28, ("Deep subsidies in tier-1 malls", "在一线城市商场大额补贴"),
     ("Promoters and trade-in where they subsidise", "在其补贴门店投放促销员与以旧换新"), "K3", True),
    (("Lumen", "流明"), 0.18, ("Cheap models in street stores", "街边店主推低价机型"),
     ("Training to sell up; display compliance", "培训店员推荐高端；陈列达标"), "K4", False),
    (("Orbit", "轨迹"), 0.12, ("Online-first launches", "新品线上首发"),
     ("Launch-day events in store", "门店首发活动"), "K2", False),
    (("Others", "其他"), 0.14, ("Price", "价格"), ("Value bundles", "超值套餐"), "K1", False),
)

# (level, (en, zh) evidence, met)
EVIDENCE = (
    ("supplier", ("Orders and deliveries run without disputes", "订单与交付无争议"), True),
    ("supplier", ("Listed in the retailer's range with agreed terms", "已进入零售商商品目录并签订条款"), True),
    ("problem_solver", ("Fixed the holiday stock-outs of last year", "解决了去年节假日断货问题"), True),
    ("problem_solver", ("Monthly business review held with the buyer", "与采购每月开展业务回顾"), True),
    ("resource", ("Joint plan agreed with category management", "与品类管理部门共同制定计划"), True),
    ("resource", ("Retailer uses our data or training for its own staff", "零售商采用我方数据或培训其员工"), False),
    ("partner", ("Shared targets signed by both top managements", "双方高层签署共同目标"), False),
    ("partner", ("Joint investment in stores or systems", "在门店或系统上共同投资"), False),
)

# (id, measure, type, (en, zh) name, unit (en, zh), weight, cap, amber, group, tier targets)
KPIS = (
    ("K1", "units", "sum", ("Sell-out units", "销量"), ("units", "台"), 0.30, 1.2, 0.9, "result", None),
    ("K2", "value", "sum", ("Sell-out value", "销售额"), ("CNY", "元"), 0.20, 1.2, 0.9, "result", None),
    ("K3", "share", "rate", ("Market share", "市场份额"), ("%", "%"), 0.15, 1.2, 0.95, "result", (0.33, 0.30, 0.26)),
    ("K4", "display", "rate", ("Display compliance", "陈列达标率"), ("%", "%"), 0.10, 1.1, 0.9, "execution",
     (0.95, 0.90, 0.85)),
    ("K5", "promoter", "rate", ("Promoter attendance", "促销员出勤率"), ("%", "%"), 0.10, 1.1, 0.9, "execution",
     (0.95, 0.92, 0.90)),
    ("K6", "programs", "rate", ("Program execution", "活动执行率"), ("%", "%"), 0.10, 1.1, 0.9, "execution",
     (1.0, 0.95, 0.90)),
    ("K7", "actions", "rate", ("Action completion", "行动完成率"), ("%", "%"), 0.05, 1.1, 0.9, "execution",
     (0.90, 0.85, 0.80)),
)
