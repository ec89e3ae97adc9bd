"""Illustrative personal names for the sample register.

Yi (彝族) names are written in their usual Chinese transliteration: a clan
name (家支名, two characters) followed by a personal name (two characters).
Children take the father's clan name; a wife keeps her own.  Younger Yi people
often carry a Han-style personal name after the clan name (吉克志强).  All
lists use common characters only; any resemblance to a real person is chance.
"""

from __future__ import annotations

import numpy as np

YI_CLANS = (
    "吉克 阿苦 沙马 吉木 俄木 阿的 海来 马海 勒尔 阿尔 日火 吉伍 阿西 曲比 "
    "瓦其 俄底 阿约 罗洪 吉牛 木乃 拉马 阿吉 比曲 吉史 井曲 阿说 加拉 贾巴 "
    "时克 吉尔 某色 阿侯 吉洛 马黑 阿力 金古 勒格 阿克 吉佐 瓦扎 俄的 的日 "
    "尔古 苏呷 木色 阿洛 巴莫 果基 吉火 沙玛"
).split()
YI_MALE = (
    "日哈 拉且 伍沙 木呷 石布 尔古 拉格 子日 克布 阿木 日古 达体 约达 尔布 "
    "拉哈 体古 曲者 史者 伍呷 格日 布哈 铁哈 阿力 拉体 尔哈 日格 子哈 伍达 "
    "拉日 阿鲁 什曲 比古 约布 哈布 木几 尔日 曲日 子布 阿友 伍各"
).split()
YI_FEMALE = (
    "阿呷 拉莫 阿果 阿依 阿衣 阿支 史莫 衣呷 阿妞 尔呷 曲莫 有果 沙呷 日莫 "
    "阿芝 么呷 阿各 拉珠 果果 阿史 日呷 尔果 石莫 子莫 阿佳 依莫 拉呷 "
    "伍果 木果"
).split()
MODERN_MALE = "志强 文杰 建军 俊杰 浩然 子豪 明辉 国强 鹏飞 永福 晓东 宇航".split()
MODERN_FEMALE = "小芳 丽娟 海燕 欣怡 美玲 晓丽 春梅 雨欣 梦瑶 佳琪 思雨 秀梅".split()
HAN_SURNAMES = "王 李 张 刘 陈 杨 罗 马 何 赵 黄 周 吴 徐 孙 胡 朱 高 林 郭".split()
HAN_MALE = "建国 志强 伟 军 勇 明 强 杰 涛 斌 德明 国华 永刚 俊 浩 宇".split()
HAN_FEMALE = "秀英 桂兰 丽 芳 敏 静 燕 霞 海燕 玉兰 春梅 红梅 婷 欣 娟 琴".split()


def _zipf(n: int) -> np.ndarray:
    w = 1.0 / np.arange(1, n + 1) ** 0.8
    return w / w.sum()


_CLAN_P = _zipf(len(YI_CLANS))
_HAN_P = _zipf(len(HAN_SURNAMES))


def surname(rng: np.random.Generator, han: bool, avoid: str | None = None) -> str:
    """Draw a clan name (Yi) or surname (Han), different from ``avoid``.

    Parameters
    ----------
    rng : numpy.random.Generator
        Random source.
    han : bool
        Draw a Han surname instead of a Yi clan name.
    avoid : str, optional
        A name that must not be returned (clan exogamy for spouses).

    Returns
    -------
    str
        The surname.
    """
    pool, p = (HAN_SURNAMES, _HAN_P) if han else (YI_CLANS, _CLAN_P)
    while True:
        name = pool[rng.choice(len(pool), p=p)]
        if name != avoid:
            return name


def given_name(
    rng: np.random.Generator, han: bool, male: bool, age: int, taken: set[str]
) -> str:
    """Draw a personal name not already used in the household.

    Parameters
    ----------
    rng : numpy.random.Generator
        Random source.
    han : bool
        Han household (Han given names only).
    male : bool
        Sex of the person.
    age : int
        Age in years; Yi people under 25 get a Han-style name one time in four.
    taken : set of str
        Names already used in the household; the result is added to it.

    Returns
    -------
    str
        The personal name.
    """
    if han:
        pool = HAN_MALE if male else HAN_FEMALE
    elif age < 25 and rng.random() < 0.25:
        pool = MODERN_MALE if male else MODERN_FEMALE
    else:
        pool = YI_MALE if male else YI_FEMALE
    free = [n for n in pool if n not in taken] or list(pool)
    name = free[rng.integers(len(free))]
    taken.add(name)
    return name
