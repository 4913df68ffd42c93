"""Demo data: a realistic organization built through the services (``manage.py seed_demo``).

Two phases:
- ``build_plan(size, today)`` is pure (no database): from fixed seeds it lays out the units, people,
  committee terms and logins, so every run produces the same plan.
- ``apply_plan(plan)`` writes what is missing through the services (``unit_create``, ``person_create``,
  ``term_create``, ``position_add``, ``appointment_create``), keyed by unit code, citizen ID and username,
  so a second run creates nothing.

Identities (name, gender, birth date, citizen ID) are drawn from per-person seeds relative to a fixed
anchor date, so the same people come out on any day and a rerun tomorrow still finds them. Dates that
must be recent (probation, pipeline steps, term expiry) are drawn relative to ``today``; they only
matter when a row is first created.
"""
from __future__ import annotations

import datetime
import random
import time
from collections import Counter
from dataclasses import dataclass, field

from dateutil.relativedelta import relativedelta

from branches.choices import CommitteePositionKind, Role, System, UnitCategory, UnitKind

from .choices import Education, Gender, MemberStatus, PersonCategory
from .idcard import make_citizen_id

SEED = 20260701
ANCHOR = datetime.date(2025, 1, 1)  # ages are drawn relative to this date, so identities never drift
PASSWORD = "Demo-pass-2026"
SIZES = ("small", "large", "tiny")  # tiny: a few dozen people, for the test suite

S = MemberStatus
C = UnitCategory
PIPELINE = (S.APPLICANT, S.ACTIVIST, S.CANDIDATE)
LEFT_AFTER_FULL = (S.TRANSFERRED_OUT, S.DECEASED, S.WITHDREW, S.REMOVED, S.EXPELLED)

# Non-full statuses are pooled over all regular units (so the rare ones appear somewhere);
# the full share is applied per unit (so every regular branch keeps a healthy core).
MIXES = {
    "small": {S.FULL: 72, S.PROBATIONARY: 8, S.APPLICANT: 4, S.ACTIVIST: 5, S.CANDIDATE: 3,
              S.TRANSFERRED_OUT: 3, S.DECEASED: 1.5, S.WITHDREW: 0.8, S.REMOVED: 1, S.EXPELLED: 0.8,
              S.PROBATION_CANCELLED: 0.9},
    "large": {S.FULL: 80, S.PROBATIONARY: 8, S.APPLICANT: 3, S.ACTIVIST: 3, S.CANDIDATE: 2,
              S.TRANSFERRED_OUT: 1.6, S.DECEASED: 1, S.WITHDREW: 0.3, S.REMOVED: 0.5, S.EXPELLED: 0.3,
              S.PROBATION_CANCELLED: 0.3},
    "retiree": {S.FULL: 90, S.DECEASED: 7, S.TRANSFERRED_OUT: 3},
    "league": {S.FULL: 80, S.APPLICANT: 12, S.ACTIVIST: 8},
}
PROBATION_ENDED_SHARE = .12  # probationary members whose year of probation is over (full vote held or due)
FEW_FULL = [S.FULL, S.FULL, S.PROBATIONARY, S.ACTIVIST, S.APPLICANT]  # a branch below the minimum of 3

# --- names and places -----------------------------------------------------------------------------
SURNAMES = ("王" * 7 + "李" * 7 + "张" * 7 + "刘" * 6 + "陈" * 6 + "杨" * 4 + "黄" * 4 + "赵" * 4 + "吴" * 3
            + "周" * 3 + "徐" * 3 + "孙" * 3 + "马" * 2 + "朱" * 2 + "胡" * 2 + "郭" * 2 + "何" * 2 + "高" * 2
            + "林" * 2 + "罗" * 2 + "郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范"
            "金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
GIVEN = {
    "M": "伟强军磊洋勇杰涛明超刚平辉鹏华飞鑫波斌宇浩凯健俊帆帅旭宁龙林阳建国峰成亮志新海东文兵晨睿博豪宏光"
         "德荣庆卫忠立永春耀振家晓",
    "F": "芳娜敏静丽艳娟霞秀玲桂英丹萍红琳燕梅莉雪慧婷颖洁倩佳琪欣悦怡瑶璐晶蓉月彤雯露嘉玉兰凤华春晓淑",
}
# (region code, native place, weight): the street sits in Nanjing, so Jiangsu dominates.
REGIONS = [
    ("320102", "江苏南京", 24), ("320104", "江苏南京", 10), ("320583", "江苏昆山", 4), ("321102", "江苏镇江", 4),
    ("320303", "江苏徐州", 4), ("321202", "江苏泰州", 3), ("340104", "安徽合肥", 5), ("341202", "安徽阜阳", 3),
    ("330106", "浙江杭州", 3), ("370102", "山东济南", 3), ("370781", "山东青州", 2), ("410105", "河南郑州", 3),
    ("411522", "河南光山", 2), ("420106", "湖北武汉", 2), ("430104", "湖南长沙", 2), ("360102", "江西南昌", 2),
    ("110105", "北京朝阳", 2), ("310104", "上海徐汇", 2), ("510104", "四川成都", 2), ("511304", "四川南充", 1),
    ("500103", "重庆渝中", 1), ("440106", "广东广州", 1), ("350102", "福建福州", 1), ("130102", "河北石家庄", 1),
    ("140105", "山西太原", 1), ("210102", "辽宁沈阳", 1), ("230102", "黑龙江哈尔滨", 1), ("610113", "陕西西安", 1),
    ("620102", "甘肃兰州", 1), ("450103", "广西南宁", 1), ("530102", "云南昆明", 1), ("640104", "宁夏银川", 1),
]
ETHNICITIES = [("汉族", 95), ("回族", 2), ("满族", 1), ("壮族", 1), ("土家族", 0.5), ("蒙古族", 0.5)]
PHONE_PREFIXES = ("130 131 132 133 135 136 137 138 139 150 151 152 155 157 158 159 166 177 180 181 182 183 "
                  "186 187 188 189 198 199").split()
COMMUNITIES = ("幸福里 东风 新华 光明 和平 建设 朝阳 团结 胜利 红星 春晖 梅园 玄武门 丹凤 锁金 兰园 北门桥 "
               "后宰门 珠江路 碑亭巷 太平 长江 大行宫 钟山 樱驼 月苑 童家巷 同仁 龙蟠 武定门").split()
VILLAGES = "示范 张庄 李家 王营 后湖 前岗 杨桥 石塘 花园 新庄 孙岗 唐家 青龙 白马 南湾".split()
DEPARTMENTS = ("党政办公室 党建工作办公室 社会事务科 城市管理科 经济发展科 平安建设办公室 财政所 综合执法队 "
               "退役军人服务站 便民服务中心 市场监管所 司法所").split()
SCHOOLS = "示范街道中心小学 示范第二小学 示范初级中学 示范实验幼儿园 示范职业技术学校".split()
INSTITUTIONS = "社区卫生服务中心 文化站 社会保障服务所 劳动就业服务中心 网格化服务中心".split()
POSTS = {
    C.ORGAN: "科员 一级科员 四级主任科员 二级主任科员 副科长 科长 副主任 主任 社区工作者".split(),
    C.ENTERPRISE: "工程师 高级工程师 技术员 销售经理 财务主管 人力资源专员 项目经理 车间主任 质检员 仓储主管".split(),
    C.SCHOOL: "教师 一级教师 高级教师 教研组长 教导主任 副校长".split(),
    C.INSTITUTION: "医生 护士 主管护师 干事 会计 副主任".split(),
    C.COMMUNITY: "个体经营 物业管理员 超市店长 网格员 快递员 保安".split(),
    C.RURAL: "村民小组长 种植户 养殖户 合作社社员".split(),
}
EDUCATION = {
    C.ORGAN: {"bachelor": 55, "master": 25, "college": 14, "doctorate": 2, "high_school": 4},
    C.ENTERPRISE: {"bachelor": 45, "college": 25, "master": 12, "vocational": 10, "high_school": 8},
    C.SCHOOL: {"bachelor": 65, "master": 25, "college": 10},
    C.INSTITUTION: {"bachelor": 50, "master": 15, "college": 30, "vocational": 5},
    C.COMMUNITY: {"college": 25, "high_school": 30, "bachelor": 20, "middle_school": 20, "vocational": 5},
    C.RURAL: {"middle_school": 45, "high_school": 25, "primary": 15, "vocational": 10, "college": 5},
    C.RETIREE: {"high_school": 30, "college": 30, "bachelor": 20, "middle_school": 20},
}
DEGREES = {"bachelor": "学士", "master": "硕士", "doctorate": "博士"}
# Age range at the anchor date (at most 80, so nobody passes 85 for a few years) and the share of men.
PEOPLE_PROFILE = {
    C.ORGAN: (24, 60, .55), C.ENTERPRISE: (23, 58, .65), C.SCHOOL: (24, 60, .35), C.INSTITUTION: (24, 60, .4),
    C.COMMUNITY: (26, 80, .45), C.RURAL: (25, 78, .7), C.RETIREE: (60, 80, .6),
}
MIN_AGE = {S.APPLICANT: 18, S.ACTIVIST: 19, S.CANDIDATE: 20, S.PROBATIONARY: 21, S.PROBATION_CANCELLED: 22,
           S.FULL: 24, S.DECEASED: 66}
CN_NUM = "一 二 三 四 五 六 七 八 九 十 十一 十二 十三 十四 十五 十六 十七 十八 十九 二十".split()


@dataclass
class UnitSpec:
    code: str
    name: str
    kind: str
    parent: str | None  # parent's code
    category: str = C.OTHER
    system: str = System.PARTY
    short_name: str = ""
    people: int = 0
    groups: int = 0  # party groups below it
    mix: str = "pool"  # pool | retiree | league | few_full
    term_end_days: int | None = None  # the current term ends this many days from today (< 0: expired)
    work_unit: str = ""
    address: str = ""


@dataclass
class PersonSpec:
    citizen_id: str
    unit: str  # unit code
    group: str | None  # party group code
    fields: dict  # for person_create


@dataclass
class TermSpec:
    unit: str
    start_date: datetime.date
    years: int
    positions: list[tuple[str, str]]  # (citizen ID, CommitteePositionKind)


@dataclass
class UserSpec:
    username: str
    label: str
    can: str
    superuser: bool = False
    appointments: list[tuple[str, str]] = field(default_factory=list)  # (unit code, Role)


USERS = [
    UserSpec("admin", "系统管理员", "superuser: everything, including Django admin at /admin/", superuser=True),
    UserSpec("committee", "工委管理员", "administrator of the whole committee: units, members, terms, "
             "appointments, audit", appointments=[("DEMO", Role.ADMIN)]),
    UserSpec("secretary", "支部书记", "secretary of one branch: its roll, member records, development steps, "
             "transfers, committee term, audit (its term ends in 25 days)", appointments=[("DEMO-G01-B01", Role.SECRETARY)]),
    UserSpec("reviewer", "组织部审核员", "reviewer on the committee: approves development steps from the "
             "review queue; sees the whole committee with full ID numbers and the audit log", appointments=[("DEMO", Role.REVIEWER)]),
    UserSpec("viewer", "只读用户", "read-only view of one branch",
             appointments=[("DEMO-G01-B02", Role.VIEWER)]),
    UserSpec("clerk", "党费收缴员", "dues clerk of a general branch and its branches: bases, month sheets, "
             "payments and reversals, arrears, remittance, printed sheets and receipts",
             appointments=[("DEMO-G01", Role.DUES_CLERK)]),
    UserSpec("officer", "纪检委员", "discipline officer of a general branch and its branches: cases, lapse cases, "
             "integrity-risk letters, democratic appraisal", appointments=[("DEMO-G01", Role.DISCIPLINE_OFFICER)]),
]


@dataclass
class Plan:
    size: str
    units: list[UnitSpec]
    people: list[PersonSpec]
    terms: list[TermSpec]
    users: list[UserSpec] = field(default_factory=lambda: list(USERS))


# --- the tree ---------------------------------------------------------------------------------------

def _small_units(tiny: bool) -> list[UnitSpec]:
    U, K, L = UnitSpec, UnitKind, System.LEAGUE
    units = [
        U("DEMO", "中共示范街道工作委员会", K.COMMITTEE, None, C.ORGAN, short_name="示范街道党工委",
          address="南京市玄武区示范街道办事处"),
        U("DEMO-G01", "中共示范街道机关总支部委员会", K.GENERAL_BRANCH, "DEMO", C.ORGAN, short_name="机关党总支"),
        U("DEMO-G01-B01", "中共示范街道机关第一支部委员会", K.BRANCH, "DEMO-G01", C.ORGAN, short_name="机关第一党支部",
          people=38, groups=2, term_end_days=25, work_unit="示范街道办事处"),
        U("DEMO-G01-B02", "中共示范街道机关第二支部委员会", K.BRANCH, "DEMO-G01", C.ORGAN, short_name="机关第二党支部",
          people=30, groups=2, term_end_days=560, work_unit="示范街道办事处"),
        U("DEMO-G01-B03", "中共示范街道离退休干部支部委员会", K.BRANCH, "DEMO-G01", C.RETIREE,
          short_name="离退休干部党支部", people=26, mix="retiree", term_end_days=-45,
          work_unit="示范街道办事处（退休）"),
        U("DEMO-G02", "中共示范街道社区总支部委员会", K.GENERAL_BRANCH, "DEMO", C.COMMUNITY, short_name="社区党总支"),
        U("DEMO-G02-B01", "中共幸福里社区支部委员会", K.BRANCH, "DEMO-G02", C.COMMUNITY, short_name="幸福里社区党支部",
          people=40, groups=3, term_end_days=110, address="幸福里社区"),
        U("DEMO-G02-B02", "中共东风社区支部委员会", K.BRANCH, "DEMO-G02", C.COMMUNITY, short_name="东风社区党支部",
          people=32, groups=2, term_end_days=1130, address="东风社区"),
        U("DEMO-G02-B03", "中共新华社区支部委员会", K.BRANCH, "DEMO-G02", C.COMMUNITY, short_name="新华社区党支部",
          people=8, address="新华社区"),
        U("DEMO-G03", "中共示范街道非公企业总支部委员会", K.GENERAL_BRANCH, "DEMO", C.ENTERPRISE,
          short_name="非公企业党总支"),
        U("DEMO-G03-B01", "中共南京华辰科技有限公司支部委员会", K.BRANCH, "DEMO-G03", C.ENTERPRISE,
          short_name="华辰科技党支部", people=28, groups=2, term_end_days=300, work_unit="南京华辰科技有限公司"),
        U("DEMO-G03-B02", "中共南京明远物流有限公司支部委员会", K.BRANCH, "DEMO-G03", C.ENTERPRISE,
          short_name="明远物流党支部", people=5, mix="few_full", work_unit="南京明远物流有限公司"),
        U("DEMO-B01", "中共示范村支部委员会", K.BRANCH, "DEMO", C.RURAL, short_name="示范村党支部",
          people=44, groups=3, term_end_days=800, address="示范村"),
        U("DEMO-B02", "中共示范街道中心小学支部委员会", K.BRANCH, "DEMO", C.SCHOOL, short_name="中心小学党支部",
          people=24, groups=1, term_end_days=150, work_unit="示范街道中心小学"),
        U("DEMO-TW", "共青团示范街道工作委员会", K.COMMITTEE, "DEMO", C.ORGAN, system=L, short_name="街道团工委"),
        U("DEMO-TW-B01", "共青团示范街道机关支部委员会", K.BRANCH, "DEMO-TW", C.ORGAN, system=L,
          short_name="机关团支部", people=10, mix="league", work_unit="示范街道办事处"),
        U("DEMO-TW-B02", "共青团示范职业技术学校学生支部委员会", K.BRANCH, "DEMO-TW", C.SCHOOL, system=L,
          short_name="职校学生团支部", people=14, mix="league", work_unit="示范职业技术学校"),
    ]
    if not tiny:
        return units
    keep = {"DEMO": 0, "DEMO-G01": 0, "DEMO-G01-B01": 16, "DEMO-G01-B02": 9, "DEMO-G03": 0, "DEMO-G03-B02": 5,
            "DEMO-TW": 0, "DEMO-TW-B01": 4}
    units = [u for u in units if u.code in keep]
    for u in units:
        u.people = keep[u.code]
    return units


def _large_units(rng: random.Random, fake) -> list[UnitSpec]:
    units = [UnitSpec("DEMO", "中共示范街道工作委员会", UnitKind.COMMITTEE, None, C.ORGAN, short_name="示范街道党工委",
                      address="南京市玄武区示范街道办事处")]
    cycle = [C.ORGAN, C.COMMUNITY, C.ENTERPRISE, C.RURAL, C.COMMUNITY, C.ENTERPRISE, C.SCHOOL, C.INSTITUTION,
             C.COMMUNITY, C.ENTERPRISE]
    counters: Counter = Counter()
    companies: set[str] = set()

    def place(cat: str, pool: list[str], suffix: str = "") -> str:
        k = counters[cat]
        counters[cat] += 1
        base, rnd = pool[k % len(pool)], k // len(pool)
        if suffix:  # 幸福里社区, then 幸福里东社区, ...
            return base + ("", *"东西南北中新")[min(rnd, 6)] + suffix
        return base + (f"第{CN_NUM[rnd]}" if rnd else "")  # 党政办公室, then 党政办公室第二, ...

    for g in range(1, 21):
        cat = cycle[(g - 1) % len(cycle)]
        gcode = f"DEMO-G{g:02d}"
        units.append(UnitSpec(gcode, f"中共示范街道第{CN_NUM[g - 1]}总支部委员会", UnitKind.GENERAL_BRANCH, "DEMO", cat,
                              short_name=f"第{CN_NUM[g - 1]}党总支"))
        for b in range(1, 11):
            work_unit = address = ""
            if cat in (C.COMMUNITY, C.RURAL):
                name = address = place(cat, COMMUNITIES, "社区") if cat == C.COMMUNITY else place(cat, VILLAGES, "村")
            elif cat == C.ENTERPRISE:
                name = f"南京{fake.company()}"
                while name in companies:
                    name = f"南京{fake.company()}"
                companies.add(name)
                work_unit = name
            else:
                pool = {C.ORGAN: DEPARTMENTS, C.SCHOOL: SCHOOLS, C.INSTITUTION: INSTITUTIONS}[cat]
                work_unit = place(cat, pool)
                name = work_unit if work_unit.startswith("示范") else f"示范街道{work_unit}"
            short = f"{name}党支部"
            roll = rng.random()  # term expiry spread: a few expired, some due soon, most later
            end_days = (rng.randint(-300, -5) if roll < .05 else rng.randint(5, 30) if roll < .08
                        else rng.randint(31, 120) if roll < .13 else rng.randint(121, 183) if roll < .18
                        else rng.randint(184, 1700))
            if g == 1 and b == 1:
                end_days = 25  # the demo secretary's branch: the dashboard shows the coming election
            units.append(UnitSpec(f"{gcode}-B{b:02d}", f"中共{name}支部委员会", UnitKind.BRANCH, gcode, cat,
                                  short_name=short, people=50, groups=2 + (rng.random() < .5),
                                  term_end_days=end_days, work_unit=work_unit, address=address))
    return units


def _add_groups(units: list[UnitSpec]) -> list[UnitSpec]:
    out = []
    for u in units:
        out.append(u)
        for n in range(1, u.groups + 1):
            out.append(UnitSpec(f"{u.code}-P{n}", f"{u.short_name or u.name}第{CN_NUM[n - 1]}党小组",
                                UnitKind.PARTY_GROUP, u.code, u.category, short_name=f"第{CN_NUM[n - 1]}党小组"))
    return out


# --- people -----------------------------------------------------------------------------------------

def _weighted(rng: random.Random, pairs) -> str:
    pairs = list(pairs.items()) if isinstance(pairs, dict) else list(pairs)
    return rng.choices([p[0] for p in pairs], weights=[p[-1] for p in pairs])[0]


def _allocate(weights: dict, n: int) -> list[str]:
    """Exactly ``n`` statuses in the given proportions (largest remainder)."""
    total = sum(weights.values())
    quotas = {k: n * w / total for k, w in weights.items()}
    counts = {k: int(q) for k, q in quotas.items()}
    for k in sorted(quotas, key=lambda k: quotas[k] - counts[k], reverse=True)[: n - sum(counts.values())]:
        counts[k] += 1
    return [k for k, c in counts.items() for _ in range(c)]


def _statuses(units: list[UnitSpec], mix: dict, rng: random.Random) -> dict[str, list[str]]:
    """unit code -> statuses of its people, in order."""
    result: dict[str, list[str]] = {}
    pooled = [u for u in units if u.people and u.mix == "pool"]
    full_share = mix[S.FULL] / sum(mix.values())
    full = {u.code: round(u.people * full_share) for u in pooled}
    rest = _allocate({k: w for k, w in mix.items() if k != S.FULL}, sum(u.people - full[u.code] for u in pooled))
    rng.shuffle(rest)
    for u in units:
        if not u.people:
            continue
        if u.mix == "pool":
            n_rest = u.people - full[u.code]
            statuses, rest = [S.FULL] * full[u.code] + rest[:n_rest], rest[n_rest:]
        elif u.mix == "few_full":
            statuses = list(FEW_FULL[: u.people])
        else:
            statuses = _allocate(MIXES[u.mix], u.people)
        rng.shuffle(statuses)
        result[u.code] = statuses
    return result


def _between(rng: random.Random, lo: datetime.date, hi: datetime.date, bias: float = 1.0) -> datetime.date:
    span = max(0, (hi - lo).days)
    return lo + datetime.timedelta(days=int(span * rng.random() ** bias))


def _months(rng: random.Random, lo: int, hi: int) -> relativedelta:
    return relativedelta(months=rng.randint(lo, hi), days=rng.randint(0, 27))


def key_dates(rng: random.Random, status: str, birth: datetime.date, today: datetime.date) -> dict:
    """Consistent key dates for ``status``: application < activist (+1 month or more) < candidate (+1 year or
    more) < admission < full membership (= admission + 1 year), the application at 18 or older."""
    adult = birth + relativedelta(years=18)
    days_ago = lambda lo, hi: today - datetime.timedelta(days=rng.randint(lo, hi))  # noqa: E731
    a1, a2, a3 = _months(rng, 1, 10), _months(rng, 12, 20), _months(rng, 3, 9)
    d: dict = {}
    if status == S.APPLICANT:
        return {"application_date": max(days_ago(7, 200), adult)}
    if status == S.ACTIVIST:
        d["activist_date"] = days_ago(20, 330)
    elif status == S.CANDIDATE:
        d["candidate_date"] = days_ago(15, 300)
    elif status == S.PROBATIONARY:
        # about one in eight at the end of probation: the full-membership vote held or due
        d["admission_date"] = days_ago(372, 440) if rng.random() < PROBATION_ENDED_SHARE else days_ago(10, 340)
    else:  # admitted long enough ago: full members, people who left, cancelled probations
        earliest = adult + a1 + a2 + a3 + relativedelta(months=1)
        latest = today - relativedelta(years=2 if status in LEFT_AFTER_FULL else 1, days=rng.randint(0, 60))
        if status == S.PROBATION_CANCELLED:
            earliest = max(earliest, today - relativedelta(years=4))
            latest = today - relativedelta(months=16)
        d["admission_date"] = _between(rng, earliest, latest, bias=1.6)
        if status == S.PROBATION_CANCELLED:
            d["left_date"] = d["admission_date"] + _months(rng, 11, 13)
        else:
            d["full_member_date"] = d["admission_date"] + relativedelta(years=1)
            if status in LEFT_AFTER_FULL:
                d["left_date"] = _between(rng, max(d["full_member_date"], today - relativedelta(years=3)),
                                          today - datetime.timedelta(days=7))
    if "admission_date" in d:
        d["candidate_date"] = d["admission_date"] - a3
    if "candidate_date" in d:
        d["activist_date"] = d["candidate_date"] - a2
    d["application_date"] = d["activist_date"] - a1
    return d


def _person_category(rng, unit: UnitSpec, age: int) -> str:
    P = PersonCategory
    if unit.category == C.RETIREE or (age >= 62 and unit.category != C.RURAL):
        return P.RETIREE
    if unit.system == System.LEAGUE and unit.category == C.SCHOOL:
        return P.STUDENT
    if unit.category == C.RURAL:
        return _weighted(rng, {P.FARMER: 80, P.OTHER: 12, P.EMPLOYEE: 8})
    if unit.category == C.COMMUNITY:
        return _weighted(rng, {P.EMPLOYEE: 55, P.OTHER: 25, P.UNEMPLOYED: 8, P.RETIREE: 12})
    return P.EMPLOYEE


def _person(i: int, unit: UnitSpec, status: str, anchor: datetime.date, today: datetime.date,
            used_ids: set[str], fake) -> PersonSpec:
    ident = random.Random(f"{SEED}:person:{i}")  # identity: independent of today
    rng = random.Random(f"{SEED}:dates:{i}")
    league = unit.system == System.LEAGUE
    lo, hi, men = (18, 27, .5) if league else PEOPLE_PROFILE.get(unit.category, (24, 60, .5))
    if status == S.DECEASED:
        lo, hi = 66, 80
    lo = max(lo, MIN_AGE.get(status, 25))
    if status in PIPELINE and not league:
        hi = min(max(hi, lo + 2), 38)
    age = ident.randint(lo, max(lo, hi))
    birth = anchor - relativedelta(years=age) - datetime.timedelta(days=ident.randint(1, 364))
    gender = Gender.MALE if ident.random() < men else Gender.FEMALE
    region, native, _w = ident.choices(REGIONS, weights=[r[2] for r in REGIONS])[0]
    name = ident.choice(SURNAMES) + "".join(ident.choice(GIVEN[gender]) for _ in range(1 + (ident.random() < .7)))
    seq = ident.randint(0, 499)  # make_citizen_id: distinct values below 500 give distinct IDs
    citizen_id = make_citizen_id(region, birth, seq, gender == Gender.MALE)
    while citizen_id in used_ids:
        seq = (seq + 1) % 500
        citizen_id = make_citizen_id(region, birth, seq, gender == Gender.MALE)
    used_ids.add(citizen_id)

    category = _person_category(rng, unit, age)
    P = PersonCategory
    education = Education.HIGH_SCHOOL if category == P.STUDENT else _weighted(
        rng, EDUCATION.get(C.RETIREE if category == P.RETIREE else unit.category, EDUCATION[C.COMMUNITY]))
    work_unit, post = {
        P.EMPLOYEE: lambda: (unit.work_unit or fake.company(), rng.choice(POSTS.get(unit.category, POSTS[C.ORGAN]))),
        P.STUDENT: lambda: (unit.work_unit, rng.choice(["机电", "会计", "护理", "计算机"]) + "专业学生"),
        P.RETIREE: lambda: (unit.work_unit or fake.company(), "退休"),
        P.FARMER: lambda: (unit.address, rng.choice(POSTS[C.RURAL])),
        P.OTHER: lambda: ("", rng.choice(POSTS[C.COMMUNITY])),
    }.get(category, lambda: ("", ""))()
    n = rng.randint(1, 40)
    address = (f"{unit.address}{n % 9 + 1}组{n}号" if unit.category == C.RURAL else
               f"{unit.address or rng.choice(COMMUNITIES) + '社区'}{n}栋{rng.randint(1, 4)}单元"
               f"{rng.randint(1, 18)}0{rng.randint(1, 4)}室")
    fields = {
        "name": name, "gender": gender, "birth_date": birth, "citizen_id": citizen_id,
        "ethnicity": _weighted(rng, ETHNICITIES), "native_place": native, "education": education,
        "degree": DEGREES.get(education, "") if rng.random() < .9 else "",
        "phone": "" if status == S.DECEASED else rng.choice(PHONE_PREFIXES) + f"{rng.randint(0, 99_999_999):08d}",
        "address": "南京市玄武区示范街道" + address, "work_unit": work_unit, "post": post, "category": category,
        "status": status, **key_dates(rng, status, birth, today),
    }
    if category in (P.EMPLOYEE, P.RETIREE):
        study = {"doctorate": 10, "master": 7, "bachelor": 4, "college": 3}.get(education, 1)
        start = birth + relativedelta(years=18 + study, months=rng.randint(0, 11))
        if start < today:
            fields["work_start_date"] = start
    return PersonSpec(citizen_id=citizen_id, unit=unit.code, group=None, fields=fields)


def _terms(units: list[UnitSpec], people: list[PersonSpec], today: datetime.date) -> list[TermSpec]:
    """A current committee term for each party branch with 7+ full members, its seats held by full members."""
    full: dict[str, list[PersonSpec]] = {}
    for p in people:
        if p.fields["status"] == S.FULL:
            full.setdefault(p.unit, []).append(p)
    terms = []
    for u in units:
        members = full.get(u.code, [])
        if u.kind != UnitKind.BRANCH or u.system != System.PARTY or len(members) < 7 or u.term_end_days is None:
            continue
        years = 5 if u.category in (C.RURAL, C.COMMUNITY) else 3
        end_days = min(u.term_end_days, years * 365 - 30)  # elected in the past
        start = today + datetime.timedelta(days=end_days) - relativedelta(years=years)
        seated = [p for p in members if p.fields["full_member_date"] <= start] or members
        K = CommitteePositionKind
        kinds = [K.SECRETARY, K.DEPUTY, K.ORGANIZATION, K.PUBLICITY, K.DISCIPLINE] if len(members) >= 15 else [
            K.SECRETARY, K.ORGANIZATION, K.PUBLICITY]
        kinds = kinds[:len(seated)]
        chosen = random.Random(f"{SEED}:term:{u.code}").sample(seated, len(kinds))
        terms.append(TermSpec(u.code, start, years, [(p.citizen_id, k) for p, k in zip(chosen, kinds, strict=True)]))
    return terms


def build_plan(size: str = "small", today: datetime.date | None = None) -> Plan:
    """Everything the demo holds, computed without touching the database."""
    from faker import Faker

    if size not in SIZES:
        raise ValueError(f"unknown demo size {size!r}; choose one of {', '.join(SIZES)}")
    today = today or datetime.date.today()
    anchor = min(ANCHOR, today - relativedelta(years=1))
    rng = random.Random(f"{SEED}:{size}")
    fake = Faker("zh_CN")
    fake.seed_instance(SEED)
    units = _add_groups(_large_units(rng, fake) if size == "large" else _small_units(tiny=size == "tiny"))
    statuses = _statuses(units, MIXES["large" if size == "large" else "small"], rng)
    groups: dict[str, list[str]] = {}
    for g in units:
        if g.kind == UnitKind.PARTY_GROUP:
            groups.setdefault(g.parent, []).append(g.code)
    people: list[PersonSpec] = []
    used_ids: set[str] = set()
    for u in units:
        unit_people = [_person(len(people) + k, u, st, anchor, today, used_ids, fake)
                       for k, st in enumerate(statuses.get(u.code, []))]
        active = [p for p in unit_people if p.fields["status"] in (S.FULL, S.PROBATIONARY)]
        for k, p in enumerate(active):  # members only, dealt round the groups so each has several
            p.group = groups[u.code][k % len(groups[u.code])] if u.code in groups else None
        people.extend(unit_people)
    return Plan(size=size, units=units, people=people, terms=_terms(units, people, today))


# --- the development pipeline (pure: from a person's status and key dates) ------------------------------

@dataclass
class StepSpec:
    kind: str
    date: datetime.date
    extra: dict = field(default_factory=dict)
    people: tuple = ()                   # person pks: the two contacts or sponsors
    vote: dict | None = None             # entitled, present, yes, no, abstain


@dataclass
class ReviewSpec:
    kind: str                            # members.models.ReviewKind
    step: int                            # index of the reported step in the person's steps
    submitted: datetime.date
    deadline: datetime.date | None = None


DEVELOPING = (S.APPLICANT, S.ACTIVIST, S.CANDIDATE, S.PROBATIONARY)
# Shares of people who fell behind (their next step is overdue today).
LATE_TALK, LATE_REPORTS, LATE_INSPECTIONS, NO_FULL_VOTE_YET = .25, .12, .12, .3
STATUS_MOVES = {"activist_selection": (S.APPLICANT, S.ACTIVIST), "candidate_decision": (S.ACTIVIST, S.CANDIDATE),
                "committee_approval": (S.CANDIDATE, S.PROBATIONARY)}


def pipeline_history(person: dict, full: list[tuple[int, datetime.date]], today: datetime.date,
                     ) -> tuple[list[StepSpec], list[ReviewSpec]]:
    """The development steps (in order) and the pending review items of one person, consistent with the rules
    of members.pipeline and with the person's status and key dates (application, activist, candidate and
    admission dates are the dates of the steps that set them). ``full``: (pk, full membership date) of the
    full members of the person's unit, the contacts, sponsors and voters. Empty when the unit has fewer than
    two full members (nobody to be a contact)."""
    from .models import DevelopmentStepKind as K, ReviewKind

    status = person["status"]
    if status not in DEVELOPING or len(full) < 2:
        return [], []
    rng = random.Random(f"{SEED}:pipeline:{person['citizen_id']}")
    steps: list[StepSpec] = []
    reviews: list[ReviewSpec] = []
    full_dates = sorted(d for _pk, d in full)
    day = datetime.timedelta(days=1)

    def add(kind, date, **kw) -> bool:
        if date > today:
            return False
        steps.append(StepSpec(kind, date, **kw))
        return True

    def two() -> tuple:
        return tuple(rng.sample([pk for pk, _d in full], 2))

    def vote(date) -> dict:
        entitled = max(1, sum(d <= date for d in full_dates))
        present = max(entitled // 2 + 1, entitled - rng.randint(0, max(0, (entitled - 1) // 4)))
        yes = rng.randint(entitled // 2 + 1, present)          # passes: more than half of those entitled
        no = rng.randint(0, present - yes)
        return {"entitled": entitled, "present": present, "yes": yes, "no": no, "abstain": present - yes - no}

    def periodic(kind, start, until, lo, hi, late_share=0.0):
        """Reports or inspections every lo..hi days from ``start`` to ``until``; some people stopped a while ago."""
        if late_share and rng.random() < late_share:
            until = min(until, today - datetime.timedelta(days=rng.randint(hi + 15, hi + 80)))
        date = start + datetime.timedelta(days=rng.randint(lo, hi))
        while date <= until:
            add(kind, date)
            date += datetime.timedelta(days=rng.randint(lo, hi))

    app, act = person["application_date"], person["activist_date"]
    cand, adm = person["candidate_date"], person["admission_date"]
    add(K.APPLICATION, app)
    if status == S.APPLICANT:
        waited = (today - app).days
        if waited >= 5 and rng.random() > LATE_TALK:
            add(K.TALK, app + datetime.timedelta(days=rng.randint(5, min(28, waited))))
        return steps, reviews

    # activist: talk within the month, selection, contacts, thought reports every quarter, inspections every half year
    add(K.TALK, app + datetime.timedelta(days=rng.randint(5, min(28, (act - app).days))))
    add(K.ACTIVIST_SELECTION, act)
    add(K.CONTACTS_ASSIGNED, min(today, act + datetime.timedelta(days=rng.randint(3, 20))), people=two())
    until = cand - day if cand else today
    periodic(K.THOUGHT_REPORT, act, until, 75, 88, LATE_REPORTS if status == S.ACTIVIST else 0)
    periodic(K.INSPECTION, act, until, 160, 178, LATE_INSPECTIONS if status == S.ACTIVIST else 0)
    if status == S.ACTIVIST:
        return sorted_steps(steps, reviews)

    # candidate: decision, sponsors, review, training, pre-review, notice, volunteer form, branch review and vote
    add(K.CANDIDATE_DECISION, cand)
    add(K.SPONSORS_ASSIGNED, cand + datetime.timedelta(days=rng.randint(3, 9)), people=two())
    if status == S.CANDIDATE:
        start = max(cand, today - datetime.timedelta(days=230))   # so that no passed vote has lapsed (6 months)
        pre = start + datetime.timedelta(days=rng.randint(55, 80))
    else:
        start, pre = cand, adm - datetime.timedelta(days=rng.randint(25, 35))
    political = start + datetime.timedelta(days=rng.randint(10, 25))
    training = start + datetime.timedelta(days=rng.randint(26, 45))
    notice = pre + datetime.timedelta(days=rng.randint(1, 3))
    form = notice + datetime.timedelta(days=rng.randint(1, 3))
    branch_review = form + datetime.timedelta(days=rng.randint(1, 3))
    if status == S.CANDIDATE:
        # after the notice of 5 working days, holidays included (no database here: a safe margin instead)
        branch_vote = max(branch_review + datetime.timedelta(days=rng.randint(2, 6)),
                          notice + datetime.timedelta(days=rng.randint(15, 18)))
    else:
        branch_vote = adm
    periodic(K.THOUGHT_REPORT, cand, adm - day if adm else today, 75, 88,
             LATE_REPORTS if status == S.CANDIDATE else 0)
    add(K.POLITICAL_REVIEW, political, extra={"passed": True})
    training_extra = {"days": 3} if rng.random() < .6 else {"hours": rng.randint(24, 32)}
    if add(K.TRAINING, training, extra=training_extra) and pre > today:
        reviews.append(ReviewSpec(ReviewKind.PRE_REVIEW, len(steps) - 1,
                                  min(today, training + datetime.timedelta(days=rng.randint(1, 5)))))
    add(K.PRE_REVIEW, pre, extra={"passed": True})
    add(K.PUBLIC_NOTICE, notice)
    add(K.VOLUNTEER_FORM, form)
    add(K.BRANCH_COMMITTEE_REVIEW, branch_review)
    if not add(K.BRANCH_VOTE, branch_vote, vote=vote(branch_vote), extra={"passed": True}):
        return sorted_steps(steps, reviews)
    vote_index = len(steps) - 1
    talk_latest = min(today, branch_vote + datetime.timedelta(days=15))
    talk = branch_vote + datetime.timedelta(days=rng.randint(min(1, (talk_latest - branch_vote).days),
                                                               (talk_latest - branch_vote).days))
    if status == S.CANDIDATE:
        add(K.COMMITTEE_TALK, talk)
        reviews.append(ReviewSpec(ReviewKind.ADMISSION_APPROVAL, vote_index,
                                  min(today, branch_vote + datetime.timedelta(days=rng.randint(1, 5))),
                                  deadline=branch_vote + relativedelta(months=3)))
        return sorted_steps(steps, reviews)

    # probationary: talk and approval by the higher committee (within 3 months), oath, reports, full membership
    add(K.COMMITTEE_TALK, talk)
    approval_latest = min(today, branch_vote + relativedelta(months=3))
    approval = talk + datetime.timedelta(days=rng.randint(0, max(0, min(40, (approval_latest - talk).days))))
    add(K.COMMITTEE_APPROVAL, approval, extra={"passed": True})
    add(K.OATH, approval + datetime.timedelta(days=rng.randint(0, max(0, min(20, (today - approval).days)))))
    periodic(K.THOUGHT_REPORT, adm, today, 75, 88, LATE_REPORTS)
    end = adm + relativedelta(years=1)
    applied = adm + relativedelta(months=11) + datetime.timedelta(days=rng.randint(0, 20))
    if add(K.FULL_APPLICATION, applied) and today > end and rng.random() > NO_FULL_VOTE_YET:
        full_vote = end + datetime.timedelta(days=rng.randint(1, min(20, (today - end).days)))
        add(K.FULL_VOTE, full_vote, vote=vote(full_vote), extra={"passed": True})
        index = len(steps) - 1
        if add(K.FULL_NOTICE, full_vote + datetime.timedelta(days=rng.randint(1, 3))):
            reviews.append(ReviewSpec(ReviewKind.FULL_APPROVAL, index, steps[-1].date,
                                      deadline=full_vote + relativedelta(months=3)))
    return sorted_steps(steps, reviews)


def sorted_steps(steps: list[StepSpec], reviews: list[ReviewSpec]) -> tuple[list[StepSpec], list[ReviewSpec]]:
    """Steps by date (stable: same-day steps keep their causal order), review indexes following them."""
    order = sorted(range(len(steps)), key=lambda i: steps[i].date)
    where = {old: new for new, old in enumerate(order)}
    return [steps[i] for i in order], [ReviewSpec(r.kind, where[r.step], r.submitted, r.deadline) for r in reviews]


# --- writing it -------------------------------------------------------------------------------------

def _ensure_users(plan: Plan) -> tuple[dict, list[str]]:
    """The superuser as ``createsuperuser`` makes it, then the others through ``user_create`` (audited)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.password_validation import validate_password

    from branches.services_access import user_create

    User = get_user_model()
    users = {u.username: u for u in User.objects.filter(username__in=[s.username for s in plan.users])}
    created = []
    for spec in plan.users:
        if spec.username in users:
            continue
        if spec.superuser:
            validate_password(PASSWORD, User(username=spec.username))
            user = User.objects.create_superuser(spec.username, f"{spec.username}@example.org", PASSWORD,
                                                 first_name=spec.label)
        else:
            user = user_create(actor=users.get("admin"), username=spec.username, password=PASSWORD,
                               full_name=spec.label, email=f"{spec.username}@example.org")
        users[spec.username] = user
        created.append(spec.username)
    return users, created


def apply_plan(plan: Plan, out=print, batch_size: int = 500) -> "Result":
    """Create what is missing, through the services, and say what was created."""
    from django.db import transaction

    from branches.models import Appointment, CommitteeTerm, Unit
    from branches.services import appointment_create, term_create, unit_create

    from .committee_services import position_add
    from .models import Person
    from .services import person_create

    created: Counter = Counter()
    started = time.monotonic()
    with transaction.atomic():
        users, new_users = _ensure_users(plan)
        created["users"] = len(new_users)
    actor = users["admin"]

    units = {u.code: u for u in Unit.objects.filter(code__in=[s.code for s in plan.units])}
    with transaction.atomic():
        for spec in plan.units:
            if spec.code in units:
                continue
            units[spec.code] = unit_create(
                actor=actor, parent=units[spec.parent] if spec.parent else None, code=spec.code, name=spec.name,
                short_name=spec.short_name, kind=spec.kind, system=spec.system, category=spec.category,
                established_on=datetime.date(1990 + (sum(map(ord, spec.code)) % 19), 7, 1), address=spec.address)
            created["units"] += 1
    out(f"Units: {created['units']} created, {len(plan.units) - created['units']} already there.")

    existing = set(Person.objects.values_list("citizen_id", flat=True))
    todo = [p for p in plan.people if p.citizen_id not in existing]
    for i in range(0, len(todo), batch_size):
        with transaction.atomic():
            for p in todo[i:i + batch_size]:
                person_create(actor=actor, unit=units[p.unit], party_group=units[p.group] if p.group else None,
                              audit_note="seed_demo", **p.fields)
        created["people"] = min(i + batch_size, len(todo))
        if len(todo) > batch_size:
            out(f"  people {created['people']:>6}/{len(todo)}  ({time.monotonic() - started:.0f}s)")
    out(f"People: {created['people']} created, {len(plan.people) - len(todo)} already there.")

    with_terms = set(CommitteeTerm.objects.filter(unit__code__in=[t.unit for t in plan.terms])
                     .values_list("unit__code", flat=True))
    ids = [cid for t in plan.terms if t.unit not in with_terms for cid, _k in t.positions]
    persons = {p.citizen_id: p for p in Person.objects.filter(citizen_id__in=ids)}
    with transaction.atomic():
        for t in plan.terms:
            if t.unit in with_terms:
                continue
            term = term_create(actor=actor, unit=units[t.unit], start_date=t.start_date, years=t.years,
                               note="换届选举产生")
            for cid, kind in t.positions:
                if cid in persons:  # (only missing if someone removed a demo person by hand)
                    position_add(actor=actor, term=term, person=persons[cid], position=kind, started_on=t.start_date)
                    created["positions"] += 1
            created["terms"] += 1
    out(f"Committee terms: {created['terms']} created ({created['positions']} positions), "
        f"{len(plan.terms) - created['terms']} already there.")

    with transaction.atomic():
        for spec in plan.users:
            for code, role in spec.appointments:
                user, unit = users[spec.username], units[code]
                had = Appointment.objects.filter(user=user, unit=unit, role=role, ended_at__isnull=True).exists()
                appointment_create(actor=actor, user=user, unit=unit, role=role)
                created["appointments"] += not had
    out(f"Logins: {created['users']} created, appointments: {created['appointments']} created.")

    _apply_pipeline(plan, units, actor, users.get("secretary"), created, out)
    _apply_plans(plan, units, actor, created, out)
    _apply_transfers(units, actor, created, out)
    return Result(created=created, new_users=new_users, seconds=time.monotonic() - started,
                  unit_names={code: u.display_name for code, u in units.items()})


def _apply_pipeline(plan: Plan, units: dict, actor, secretary, created: Counter, out, chunk: int = 400) -> None:
    """Development histories for the people in the pipeline who have none yet (applicants, activists,
    candidates, probationary members of party units), with votes, status changes, pending review items and
    their audit entries. Written with bulk_create (the pipeline service per step is far too slow for 10,000
    people) in the shapes ``pipeline_record_step`` writes: the same ``extra`` keys, related people, vote
    counts, StatusChange rows and an audit entry per step by the same actor."""
    from django.contrib.contenttypes.models import ContentType
    from django.db import transaction
    from django.utils import timezone

    from branches.audit import snapshot
    from branches.choices import AuditAction
    from branches.models import AuditEntry

    from .models import DevelopmentStep, DevelopmentStepKind as K, DevelopmentVote, Person, ReviewRequest, StatusChange

    started = time.monotonic()
    today = timezone.localdate()
    party_units = [units[u.code].pk for u in plan.units
                   if u.system == System.PARTY and u.kind != UnitKind.PARTY_GROUP and u.code in units]
    people = list(Person.objects.filter(unit_id__in=party_units, status__in=DEVELOPING)
                  .exclude(pk__in=DevelopmentStep.objects.values("person_id")).select_related("unit").order_by("pk"))
    full: dict[int, list] = {}
    for pk, unit_id, since in (Person.objects.filter(unit_id__in=party_units, status=S.FULL)
                               .values_list("pk", "unit_id", "full_member_date")):
        full.setdefault(unit_id, []).append((pk, since))
    step_ct = ContentType.objects.get_for_model(DevelopmentStep)
    through = DevelopmentStep.related_people.through
    tz = timezone.get_current_timezone()
    labels = {kind: str(K(kind).label) for kind in K.values}   # get_kind_display per step cost ~0.3 ms each
    for i in range(0, len(people), chunk):
        batch = []       # (person, steps, reviews, [DevelopmentStep])
        for p in people[i:i + chunk]:
            fields = {"citizen_id": p.citizen_id, "status": p.status, "application_date": p.application_date,
                      "activist_date": p.activist_date, "candidate_date": p.candidate_date,
                      "admission_date": p.admission_date}
            if not p.application_date:
                continue
            specs, reviews = pipeline_history(fields, full.get(p.unit_id, []), today)
            if specs:
                batch.append((p, specs, reviews, [
                    DevelopmentStep(person=p, kind=s.kind, date=s.date, actor=actor, extra=dict(s.extra))
                    for s in specs]))
        with transaction.atomic():
            DevelopmentStep.objects.bulk_create([row for *_x, rows in batch for row in rows], batch_size=1000)
            links, votes, moves, items, audits = [], [], [], [], []
            for p, specs, reviews, rows in batch:
                for spec, step in zip(specs, rows, strict=True):
                    links += [through(developmentstep_id=step.pk, person_id=pk) for pk in spec.people]
                    if spec.vote:
                        votes.append(DevelopmentVote(step=step, **spec.vote))
                    if spec.kind in STATUS_MOVES:
                        before, after = STATUS_MOVES[spec.kind]
                        moves.append(StatusChange(person=p, from_status=before, to_status=after, date=spec.date,
                                                  actor=actor, note=labels[spec.kind], step=step))
                    audits.append(AuditEntry(  # object_repr as str(step) spells it
                        actor=actor, action=AuditAction.CREATE, content_type=step_ct, object_id=str(step.pk),
                        object_repr=f"{p.name} · {labels[spec.kind]} · {spec.date:%Y-%m-%d}"[:200], unit=p.unit,
                        after=snapshot(step), note=labels[spec.kind]))
                for r in reviews:   # as members.review.review_submit: a pre-review reports no single step
                    items.append(ReviewRequest(
                        person=p, kind=r.kind, unit=p.unit, step=None if r.kind == "pre_review" else rows[r.step],
                        deadline=r.deadline,
                        submitted_by=secretary, submitted_at=datetime.datetime.combine(
                            r.submitted, datetime.time(9, 30), tzinfo=tz)))
            through.objects.bulk_create(links, batch_size=2000)
            DevelopmentVote.objects.bulk_create(votes, batch_size=1000)
            StatusChange.objects.bulk_create(moves, batch_size=1000)
            ReviewRequest.objects.bulk_create(items, batch_size=1000)
            AuditEntry.objects.bulk_create(audits, batch_size=1000)
        created["pipeline people"] += len(batch)
        created["steps"] += sum(len(rows) for *_x, rows in batch)
        created["review items"] += sum(len(b[2]) for b in batch)
    out(f"Development: {created['steps']} steps for {created['pipeline people']} people in the pipeline, "
        f"{created['review items']} review items waiting ({time.monotonic() - started:.1f}s).")


def _apply_plans(plan: Plan, units: dict, actor, created: Counter, out) -> None:
    """Development plans for this year and last year: every party branch, and the top committee this year."""
    from django.utils import timezone

    from .devstats import plan_create
    from .models import DevelopmentPlan

    this_year = timezone.localdate().year
    branches = [u for u in plan.units if u.kind == UnitKind.BRANCH and u.system == System.PARTY and u.code in units]
    pks = [units[u.code].pk for u in branches] + [units["DEMO"].pk]
    have = set(DevelopmentPlan.objects.filter(unit_id__in=pks, year__gte=this_year - 1).values_list("unit_id", "year"))
    wanted: dict[int, int] = {}
    for year in (this_year - 1, this_year):
        for u in branches:
            rng = random.Random(f"{SEED}:plan:{u.code}:{year}")
            size = u.people
            planned = rng.randint(2, 6) if size >= 45 else rng.randint(1, 3) if size >= 20 else rng.randint(0, 1)
            wanted[year] = wanted.get(year, 0) + planned
            if (units[u.code].pk, year) not in have:
                plan_create(actor=actor, unit=units[u.code], year=year, planned=planned, note="年度发展计划")
                created["plans"] += 1
    if (units["DEMO"].pk, this_year) not in have:
        plan_create(actor=actor, unit=units["DEMO"], year=this_year, planned=wanted.get(this_year, 0) + 2,
                    note="党工委年度发展计划（含机动数）")
        created["plans"] += 1
    out(f"Development plans: {created['plans']} created.")


DEMO_TRANSFERS = [
    # (from unit code, to unit code or None, outside organization, days ago issued, receipt after days, reason)
    ("DEMO-G01-B02", "DEMO-G01-B01", "", 6, None, "工作调动（机关内部）"),
    ("DEMO-G01-B01", None, "中共某区教育局机关委员会", 120, None, "调往区教育局工作"),
    ("DEMO-G01-B02", None, "中共某市人民医院委员会", 70, 20, "调往市人民医院工作"),
]


def _apply_transfers(units: dict, actor, created: Counter, out) -> None:
    """A few transfers through the services: one waiting for the demo secretary's branch to accept, one letter
    to an outside organization past its validity without a receipt, one whose receipt came back. Keyed by the
    reason: a transfer with the same reason from the same unit is not issued twice."""
    from django.utils import timezone

    from .choices import MemberStatus
    from .models import Person, Transfer, TransferKind
    from .transfers import transfer_issue, transfer_record_receipt

    today = timezone.localdate()
    for from_code, to_code, outside, days_ago, receipt_after, reason in DEMO_TRANSFERS:
        if from_code not in units or (to_code and to_code not in units):
            continue
        source = units[from_code]
        if Transfer.objects.filter(from_unit=source, reason=reason).exists():
            continue
        person = (Person.objects.filter(unit=source, status=MemberStatus.FULL)
                  .exclude(transfers__isnull=False).order_by("-pk").first())
        if person is None:
            continue
        issued_on = today - datetime.timedelta(days=days_ago)
        transfer = transfer_issue(
            actor=actor, person=person, kind=TransferKind.INTERNAL if to_code else TransferKind.OUTGOING,
            to_unit=units[to_code] if to_code else None, external_org=outside, issued_on=issued_on, reason=reason,
            dues_paid_until=f"{issued_on:%Y-%m}")
        if receipt_after is not None:
            transfer_record_receipt(actor=actor, transfer=transfer,
                                    receipt_on=issued_on + datetime.timedelta(days=receipt_after), note="回执已收到")
        created["transfers"] += 1
    out(f"Transfers: {created['transfers']} created.")


@dataclass
class Result:
    created: Counter
    new_users: list[str]
    seconds: float
    unit_names: dict[str, str]


def logins_block(plan: Plan, url: str, new_users: list[str], units: dict[str, str]) -> str:
    """The block printed at the end: where to go and who to log in as."""
    width = max(len(u.username) for u in plan.users)
    lines = ["", "=" * 78, f" 演示系统已就绪 · Demo ready:  {url}", "=" * 78,
             f" {'login'.ljust(width)}   password        what it can do"]
    for u in plan.users:
        where = ", ".join(units.get(code, code) for code, _r in u.appointments)
        mark = " " if u.username in new_users else "*"
        where = f" [{where}]" if where else ""
        lines.append(f" {u.username.ljust(width)} {mark} {PASSWORD:<15} {u.label}: {u.can}{where}")
    if len(new_users) < len(plan.users):
        lines.append(" * existed before this run: its password was left as it was.")
    lines += ["=" * 78, ""]
    return "\n".join(lines)
