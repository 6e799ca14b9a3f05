"""A demo expert pool: fictional experts with valid ID numbers, titles and the specialties the demo lots ask
for; a few work for demo bidders or declared a relative there, so recusal has something to find."""

from __future__ import annotations

import random
from datetime import datetime

import sqlalchemy as sa
from stdnum.cn import ric

from ..models import Expert, Organisation, User
from ..services import experts as pool

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
GIVEN = ("建国", "志强", "海燕", "国栋", "立新", "文杰", "晓东", "丽华", "振华", "德明", "秀英", "红梅", "伟", "静",
         "敏", "磊", "洋", "勇", "军", "杰", "娟", "涛", "明", "超", "霞", "平", "刚", "桂英", "玉兰", "春生")
REGIONS = ("421202", "421221", "421222", "421223", "421224", "421281", "420102", "420106", "420111", "421102")
TITLES = ("高级工程师", "教授级高级工程师", "高级经济师", "高级会计师", "正高级工程师", "副教授", "教授")
# Specialty: how many demo experts. The demo lots ask for A080201 x4 + A0601 x1 and B014803 x4 + B081607 x1.
SPECIALTIES = {"A080201": 16, "A0601": 6, "A040202": 5, "A040206": 4, "B014803": 12, "B081607": 5, "C010405": 3}


# Birthplace codes of the 1960s–80s (an ID number carries the code in force when it was issued at birth).
BIRTHPLACES = ("420102", "420103", "420104", "420105", "422301", "422321", "422322", "422323", "422324", "422325",
               "420500", "421000", "422801", "420600")


def _id_number(rng: random.Random, index: int) -> str:
    """A valid 18-character ID number (fictional): birthplace valid in the birth year, birth date, sequence,
    check digit; candidates are drawn until stdnum accepts one."""
    for _ in range(200):
        year, month, day = rng.randint(1960, 1985), rng.randint(1, 12), rng.randint(1, 28)
        body = f"{rng.choice(BIRTHPLACES)}{year}{month:02d}{day:02d}{(index * 7 + rng.randint(0, 6)) % 1000:03d}"
        number = body + ric.calc_check_digit(body + "0")  # stdnum wants the number with a placeholder check digit
        if ric.is_valid(number):
            return number
    raise RuntimeError("no valid demo ID number found")


def rows(seed: int = 2026) -> list[dict]:
    """The demo experts as import rows (deterministic)."""
    rng = random.Random(seed)
    made, index = [], 0
    for code, count in SPECIALTIES.items():
        for _ in range(count):
            index += 1
            region = rng.choice(REGIONS)
            extra = [c for c in SPECIALTIES if c != code and c[0] == code[0] and rng.random() < 0.15]
            mobile = f"1{rng.choice('3589')}{rng.randint(0, 10**9 - 1):09d}"
            number = _id_number(rng, index)
            age = 2026 - int(number[6:10])
            years = rng.randint(8, max(8, min(32, age - 23)))
            made.append({"line": index + 1, "name": rng.choice(SURNAMES) + rng.choice(GIVEN),
                         "id_number": number, "mobile": mobile,
                         "specialties": ";".join([code, *extra]), "title": rng.choice(TITLES),
                         "years": str(years), "region_code": region, "employer_credit_code": ""})
    return made


def load(ctx, session, now: datetime) -> str:
    """Create the demo pool if the pool is empty; link expert1 to an expert; return a line for the console."""
    if session.scalar(sa.select(sa.func.count(Expert.id))):
        return "  expert pool already loaded"
    made = pool.import_rows(ctx, session, "demo", now, rows())
    bidders = session.scalars(sa.select(Organisation).where(Organisation.org_type == "bidder")
                              .order_by(Organisation.id)).all()
    institute = session.scalar(sa.select(Organisation).where(Organisation.org_type == "expert_employer"))
    road = [e for e in made if "A080201" in e.specialties]
    if bidders and len(road) > 3:
        road[0].employer_id, road[0].employer_name = bidders[0].id, bidders[0].name  # works for bidder1
        road[1].employer_id, road[1].employer_name = bidders[1].id, bidders[1].name  # works for bidder2
        pool.declare_relative(session, "demo", now, road[2], bidders[0].id, "配偶系该公司法定代表人")
    if institute is not None:
        for expert in made[3:20]:
            expert.employer_id, expert.employer_name = institute.id, institute.name
    user = session.scalar(sa.select(User).where(User.username == "expert1"))
    if user is not None and made:
        made[5].user_id = user.id
    session.flush()
    return f"  expert pool: {len(made)} experts in {len(SPECIALTIES)} specialties"
