"""Chinese personal names: weighted common surnames and gendered given-name characters."""

import itertools
import random
from bisect import bisect

# (surname, share in per mille), after the Ministry of Public Security's 2020 name report.
SURNAMES: tuple[tuple[str, float], ...] = (
    ("王", 71),
    ("李", 70),
    ("张", 67),
    ("刘", 54),
    ("陈", 45),
    ("杨", 31),
    ("黄", 22),
    ("赵", 20),
    ("吴", 20),
    ("周", 19),
    ("徐", 15),
    ("孙", 15),
    ("马", 14),
    ("朱", 13),
    ("胡", 13),
    ("郭", 12),
    ("何", 12),
    ("林", 11),
    ("高", 11),
    ("罗", 10),
    ("郑", 10),
    ("梁", 9),
    ("谢", 8),
    ("宋", 7),
    ("唐", 7),
    ("许", 6),
    ("韩", 6),
    ("冯", 6),
    ("邓", 6),
    ("曹", 6),
    ("彭", 5),
    ("曾", 5),
    ("肖", 5),
    ("田", 5),
    ("董", 5),
    ("袁", 5),
    ("潘", 4),
    ("于", 4),
    ("蒋", 4),
    ("蔡", 4),
    ("余", 4),
    ("杜", 4),
    ("叶", 4),
    ("程", 4),
    ("苏", 4),
    ("魏", 4),
    ("吕", 4),
    ("丁", 4),
    ("任", 3),
    ("沈", 3),
    ("姚", 3),
    ("卢", 3),
    ("姜", 3),
    ("崔", 3),
    ("钟", 3),
    ("谭", 3),
    ("陆", 3),
    ("汪", 3),
    ("范", 3),
    ("金", 3),
    ("石", 3),
    ("廖", 3),
    ("贾", 3),
    ("夏", 3),
    ("韦", 3),
    ("付", 3),
    ("方", 3),
    ("白", 3),
    ("邹", 2),
    ("孟", 2),
    ("熊", 2),
    ("秦", 2),
    ("邱", 2),
    ("江", 2),
    ("尹", 2),
    ("薛", 2),
    ("闫", 2),
    ("段", 2),
    ("雷", 2),
    ("侯", 2),
    ("龙", 2),
    ("史", 2),
    ("陶", 2),
    ("黎", 2),
    ("贺", 2),
    ("顾", 2),
    ("毛", 2),
    ("郝", 2),
    ("龚", 2),
    ("邵", 2),
    ("万", 2),
    ("钱", 2),
    ("严", 1),
    ("覃", 1),
    ("武", 1),
    ("戴", 1),
    ("莫", 1),
    ("孔", 1),
    ("向", 1),
    ("汤", 1),
    ("欧阳", 0.5),
    ("司马", 0.2),
    ("上官", 0.2),
    ("诸葛", 0.2),
)
MALE_CHARS = (
    "伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆帅旭宁龙林阳建国峰晨博文志海亮东成毅翔"
    "轩睿泽宏昊然瑞航锐哲远嘉子铭天一家振永庆新立德"
)
FEMALE_CHARS = (
    "芳娜敏静丽艳娟霞玲燕婷雪琳晶颖慧倩莹洁佳怡欣悦萱梦璐琪瑶雨晴妍涵蕾诗丹红梅莉兰凤玉萍雅婧"
    "思嘉一子彤馨月"
)

_SURNAME_CUMULATIVE = tuple(itertools.accumulate(w for _, w in SURNAMES))


def surname(rng: random.Random) -> str:
    return SURNAMES[bisect(_SURNAME_CUMULATIVE, rng.random() * _SURNAME_CUMULATIVE[-1])][0]


def full_name(rng: random.Random, gender: str, born: int) -> str:
    """A name for someone of `gender` ("M"/"F") born in `born`; one-character given names
    were commoner before the 1990s."""
    chars = MALE_CHARS if gender == "M" else FEMALE_CHARS
    single = rng.random() < (0.35 if born < 1980 else 0.15)
    given = rng.choice(chars) if single else rng.choice(chars) + rng.choice(chars)
    return surname(rng) + given
