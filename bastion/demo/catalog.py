"""What a Chinese university is made of: the tables the demo builder draws from.

Plain data, no models. Lists (never sets or dicts iterated for order) keep a build the same
for a seed.
"""

from dataclasses import dataclass

UNIVERSITY_NAME = "示范大学"
UNIVERSITY_CODE = "U"
# The university stands in Tianjin, like the university of the first seed notice.
HOME_PROVINCE = "120000"

# The demo province (`bastion demo --province`): its education department above the
# universities, each built as the demo university is, under its own name.
PROVINCE_NAME = "示范省教育厅"
PROVINCE_CODE = "P"
PROVINCE_UNIVERSITIES = (
    "示范大学",
    "示范理工大学",
    "示范师范大学",
    "示范医科大学",
    "示范农业大学",
    "示范财经大学",
    "示范工业大学",
    "示范科技大学",
    "示范外国语大学",
    "示范交通大学",
    "示范海洋大学",
    "示范中医药大学",
    "示范政法大学",
    "示范民族大学",
    "示范石油大学",
    "示范林业大学",
    "示范电力大学",
    "示范传媒大学",
    "示范体育学院",
    "示范艺术学院",
    "示范城市学院",
    "示范职业技术大学",
    "示范建筑大学",
    "示范邮电大学",
    "示范航空航天大学",
    "示范化工大学",
    "示范音乐学院",
    "示范警官学院",
    "示范商学院",
    "示范开放大学",
)


@dataclass(frozen=True)
class CollegeSpec:
    code: str
    name: str
    short: str  # 医学院党委, 医学2019级本科生党支部…
    weight: float  # relative size
    departments: tuple[tuple[str, str], ...]  # (name, short used in class names)
    labs: tuple[str, ...]


# In the order colleges are added as the university grows with --people.
COLLEGES: tuple[CollegeSpec, ...] = (
    CollegeSpec(
        "MED",
        "医学院",
        "医学",
        1.6,
        (
            ("临床医学系", "临床"),
            ("基础医学系", "基医"),
            ("护理学系", "护理"),
            ("医学影像学系", "影像"),
        ),
        ("病原生物学实验室", "免疫学实验室", "分子医学实验室", "医学遗传学实验室"),
    ),
    CollegeSpec(
        "CS",
        "计算机科学与技术学院",
        "计算机",
        1.3,
        (
            ("计算机科学系", "计科"),
            ("人工智能系", "智能"),
            ("网络空间安全系", "网安"),
            ("数据科学系", "数据"),
        ),
        ("高性能计算实验室", "数据库实验室", "机器学习实验室", "网络安全实验室"),
    ),
    CollegeSpec(
        "ME",
        "机械工程学院",
        "机械",
        1.2,
        (("机械设计系", "机设"), ("机械电子工程系", "机电"), ("工业工程系", "工业")),
        ("先进制造实验室", "机器人实验室", "摩擦学实验室"),
    ),
    CollegeSpec(
        "MSE",
        "材料科学与工程学院",
        "材料",
        1.0,
        (("金属材料系", "金属"), ("无机非金属材料系", "无机"), ("高分子材料系", "高分子")),
        ("材料表征实验室", "纳米材料实验室", "功能陶瓷实验室"),
    ),
    CollegeSpec(
        "MARX",
        "马克思主义学院",
        "马院",
        0.5,
        (("马克思主义理论系", "马理"), ("思想政治教育系", "思政")),
        ("马克思主义中国化研究室", "思想政治教育实验室"),
    ),
    CollegeSpec(
        "FL",
        "外国语学院",
        "外语",
        0.8,
        (("英语系", "英语"), ("日语系", "日语"), ("德语系", "德语"), ("翻译系", "翻译")),
        ("语言认知实验室", "语料库实验室"),
    ),
    CollegeSpec(
        "EE",
        "电气工程学院",
        "电气",
        1.1,
        (("电力系统系", "电力"), ("电机与电器系", "电机"), ("高电压工程系", "高压")),
        ("电力电子实验室", "智能电网实验室", "高电压实验室"),
    ),
    CollegeSpec(
        "ECE",
        "电子信息工程学院",
        "电子",
        1.1,
        (
            ("电子工程系", "电子"),
            ("通信工程系", "通信"),
            ("微电子系", "微电"),
            ("光电信息系", "光电"),
        ),
        ("集成电路实验室", "无线通信实验室", "光电子实验室"),
    ),
    CollegeSpec(
        "CHEM",
        "化学学院",
        "化学",
        0.9,
        (
            ("无机化学系", "无化"),
            ("有机化学系", "有化"),
            ("分析化学系", "分化"),
            ("物理化学系", "物化"),
        ),
        ("有机合成实验室", "催化化学实验室", "分析测试实验室"),
    ),
    CollegeSpec(
        "PHYS",
        "物理学院",
        "物理",
        0.7,
        (("物理学系", "物理"), ("应用物理系", "应物"), ("天文学系", "天文")),
        ("凝聚态物理实验室", "量子光学实验室"),
    ),
    CollegeSpec(
        "MATH",
        "数学科学学院",
        "数学",
        0.7,
        (("数学系", "数学"), ("应用数学系", "应数"), ("统计学系", "统计")),
        ("计算数学实验室", "数据科学实验室"),
    ),
    CollegeSpec(
        "ECON",
        "经济学院",
        "经济",
        0.9,
        (("经济学系", "经济"), ("金融学系", "金融"), ("国际经济与贸易系", "国贸")),
        ("实验经济学实验室", "金融工程实验室"),
    ),
    CollegeSpec(
        "MGT",
        "管理学院",
        "管理",
        1.0,
        (
            ("工商管理系", "工管"),
            ("会计学系", "会计"),
            ("信息管理系", "信管"),
            ("市场营销系", "营销"),
        ),
        ("行为决策实验室", "管理信息系统实验室"),
    ),
    CollegeSpec(
        "LAW",
        "法学院",
        "法学",
        0.6,
        (("法学系", "法学"), ("知识产权系", "知产")),
        ("法律大数据实验室",),
    ),
    CollegeSpec(
        "LIT",
        "文学院",
        "文学",
        0.6,
        (("中国语言文学系", "汉语言"), ("新闻传播系", "新闻"), ("历史学系", "历史")),
        ("古籍整理研究室", "媒介融合实验室"),
    ),
    CollegeSpec(
        "PH",
        "公共卫生学院",
        "公卫",
        0.7,
        (
            ("流行病与卫生统计学系", "预防"),
            ("劳动卫生与环境卫生学系", "劳卫"),
            ("营养与食品卫生学系", "营养"),
        ),
        ("流行病学实验室", "卫生检验实验室"),
    ),
    CollegeSpec(
        "PHARM",
        "药学院",
        "药学",
        0.8,
        (("药物化学系", "药化"), ("药剂学系", "药剂"), ("药理学系", "药理")),
        ("药物合成实验室", "药理毒理实验室"),
    ),
    CollegeSpec(
        "CE",
        "土木工程学院",
        "土木",
        1.0,
        (("土木工程系", "土木"), ("道路与桥梁工程系", "道桥"), ("建筑环境与能源系", "建环")),
        ("结构工程实验室", "岩土工程实验室"),
    ),
    CollegeSpec(
        "ENV",
        "环境科学与工程学院",
        "环境",
        0.6,
        (("环境科学系", "环科"), ("环境工程系", "环工")),
        ("水污染控制实验室", "大气环境实验室"),
    ),
    CollegeSpec(
        "LIFE",
        "生命科学学院",
        "生科",
        0.8,
        (("生物科学系", "生科"), ("生物技术系", "生技"), ("生物医学工程系", "生医")),
        ("细胞生物学实验室", "遗传学实验室", "生物信息学实验室"),
    ),
    CollegeSpec(
        "SE",
        "软件学院",
        "软件",
        0.8,
        (("软件工程系", "软工"), ("数字媒体技术系", "数媒")),
        ("软件测试实验室", "智能软件实验室"),
    ),
    CollegeSpec(
        "ARCH",
        "建筑学院",
        "建筑",
        0.6,
        (("建筑学系", "建筑"), ("城乡规划系", "规划"), ("风景园林系", "风景")),
        ("建筑技术实验室", "数字建造实验室"),
    ),
    CollegeSpec(
        "AERO",
        "航空航天学院",
        "航空",
        0.7,
        (("飞行器设计系", "飞设"), ("航空发动机系", "航发")),
        ("风洞实验室", "飞行器结构实验室"),
    ),
    CollegeSpec(
        "ART",
        "艺术学院",
        "艺术",
        0.5,
        (("美术系", "美术"), ("音乐系", "音乐"), ("设计系", "设计")),
        ("数字艺术实验室",),
    ),
    CollegeSpec(
        "EDU",
        "教育学院",
        "教育",
        0.5,
        (("教育学系", "教育"), ("心理学系", "心理")),
        ("心理测评实验室", "教育技术实验室"),
    ),
)

# Functional offices (机关), each with its own branch under the 机关党委; (code, name, weight).
OFFICES: tuple[tuple[str, str, float], ...] = (
    ("UO", "学校办公室", 1.2),
    ("ORG", "党委组织部", 0.8),
    ("PUB", "党委宣传部", 0.8),
    ("DIS", "纪委办公室", 0.6),
    ("SA", "学生工作部（处）", 1.2),
    ("YL", "校团委", 0.6),
    ("GS", "研究生院", 1.0),
    ("ACA", "教务处", 1.2),
    ("HR", "人事处", 0.8),
    ("RES", "科学技术研究院", 1.0),
    ("FIN", "财务处", 1.2),
    ("LOG", "后勤保障处", 3.0),
    ("SEC", "保卫处", 1.6),
    ("INT", "国际交流合作处", 0.6),
)
# Centres led by a Party branch directly under the university committee (直属党支部).
CENTRES: tuple[tuple[str, str, float], ...] = (
    ("LIB", "图书馆", 1.5),
    ("NIC", "网络信息中心", 0.8),
)
HOSPITAL_NAME = "校医院"
# (code, name, which of the hospital's two branches leads it: 1 medical, 2 nursing and technical)
HOSPITAL_DEPARTMENTS: tuple[tuple[str, str, int], ...] = (
    ("FEVER", "发热门诊", 1),
    ("IM", "内科", 1),
    ("NUR", "护理部", 2),
    ("ER", "急诊科", 1),
    ("SUR", "外科", 1),
    ("PREV", "预防保健科", 2),
    ("CLAB", "检验科", 2),
    ("PHA", "药剂科", 2),
)
# Temporary Party organizations at the front line (code, name, post); set up 2020-01-28.
TEMPORARY_PARTY_ORGS: tuple[tuple[str, str, str, str], ...] = (
    ("TMP-ISO", "隔离观察宿舍临时党支部", "隔离观察宿舍（学生公寓12号楼）", "LOG"),
    ("TMP-GATE", "东校门疫情防控临时党支部", "东校门", "SEC"),
)
# The university's leaders (校领导); all sit on the leading group, the first is its head.
LEADERS: tuple[str, ...] = ("党委书记", "校长", "党委副书记", "副校长", "纪委书记")

UNDERGRADUATE_GRADES = (2016, 2017, 2018, 2019)
MASTER_GRADES = (2017, 2018, 2019)
DOCTORAL_GRADES = (2016, 2017, 2018, 2019)

# Share of Party members (正式, 预备), activists and applicants, by grade or kind of person;
# about what Chinese universities report: few freshmen, a tenth of seniors, a third of
# graduate students, about half of the staff.
POLITICAL_SHARES: dict[str, tuple[float, float, float, float]] = {
    "2016": (0.10, 0.06, 0.10, 0.15),
    "2017": (0.05, 0.06, 0.12, 0.20),
    "2018": (0.01, 0.04, 0.12, 0.22),
    "2019": (0.00, 0.01, 0.08, 0.25),
    "graduate": (0.26, 0.05, 0.08, 0.10),
    "staff": (0.40, 0.02, 0.03, 0.03),
}

# Population of each province (2020 census, millions): where students and staff come from.
PROVINCE_WEIGHTS: tuple[tuple[str, float], ...] = (
    ("110000", 21.9),
    ("120000", 13.9),
    ("130000", 74.6),
    ("140000", 34.9),
    ("150000", 24.0),
    ("210000", 42.6),
    ("220000", 24.1),
    ("230000", 31.9),
    ("310000", 24.9),
    ("320000", 84.7),
    ("330000", 64.6),
    ("340000", 61.0),
    ("350000", 41.5),
    ("360000", 45.2),
    ("370000", 101.5),
    ("410000", 99.4),
    ("420000", 57.8),
    ("430000", 66.4),
    ("440000", 126.0),
    ("450000", 50.1),
    ("460000", 10.1),
    ("500000", 32.1),
    ("510000", 83.7),
    ("520000", 38.6),
    ("530000", 47.2),
    ("540000", 3.6),
    ("610000", 39.5),
    ("620000", 25.0),
    ("630000", 5.9),
    ("640000", 7.2),
    ("650000", 25.9),
)
# Share of people from the university's own province (the rest by population).
HOME_PROVINCE_SHARE = {"student": 0.30, "staff": 0.55}
