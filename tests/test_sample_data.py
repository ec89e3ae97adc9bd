"""Properties of the bundled sample county (昭觉县) and of its generator."""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import numpy as np
import openpyxl
import pandas as pd
import pytest
from shapely.geometry import Point

from sample_data import SAMPLE_DIR, sample_files

REF_DATE = dt.date(2026, 9, 1)
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
REGISTER_COLUMNS = [
    "户号", "姓名", "身份证号", "与户主关系", "性别", "出生日期", "安置类别", "残疾",
    "年收入", "稳定就业年限", "原居住村", "原居住乡镇", "现属乡镇", "轮候登记日期",
    "意向安置点", "低楼层意愿",
]  # fmt: skip
UNIT_COLUMNS = [
    "房号", "安置点编号", "楼栋", "楼层", "面积", "无障碍", "状态", "现住户号",
    "入住日期", "经度", "纬度",
]  # fmt: skip
RELATIONS = {
    "户主", "配偶", "子", "女", "父亲", "母亲", "孙子", "孙女", "儿媳", "女婿",
    "兄弟姐妹", "其他",
}  # fmt: skip


@pytest.fixture(scope="module")
def register() -> pd.DataFrame:
    return pd.read_excel(sample_files()["register"], sheet_name="登记表", dtype=str)


@pytest.fixture(scope="module")
def units() -> pd.DataFrame:
    return pd.read_csv(sample_files()["units"], dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def heads(register: pd.DataFrame) -> pd.DataFrame:
    return register[register["与户主关系"] == "户主"].set_index("户号")


def ages(register: pd.DataFrame) -> np.ndarray:
    born = pd.to_datetime(register["出生日期"], format="%Y-%m-%d")
    before = (born.dt.month > REF_DATE.month) | (
        (born.dt.month == REF_DATE.month) & (born.dt.day > REF_DATE.day)
    )
    return (REF_DATE.year - born.dt.year - before.astype(int)).to_numpy()


def check_char(id_number: str) -> str:
    total = sum(int(c) * w for c, w in zip(id_number[:17], WEIGHTS))
    return "10X98765432"[total % 11]


def test_sample_files_exist():
    files = sample_files()
    assert set(files) == {"register", "sites", "units", "facilities", "county"}
    assert all(p.is_file() and p.parent == SAMPLE_DIR for p in files.values())


def test_register_layout(register):
    assert list(register.columns) == REGISTER_COLUMNS
    assert set(register["与户主关系"]) <= RELATIONS
    assert set(register["性别"]) == {"男", "女"}
    assert set(register["安置类别"]) == {
        "易地扶贫搬迁",
        "工程搬迁",
        "生态移民",
        "退役军人",
    }
    disability = register["残疾"]
    pattern = r"无|(视力|听力|肢体|智力|精神|多重)[一二三四]级"
    assert disability.str.fullmatch(pattern).all()
    assert 0.05 <= (disability != "无").mean() <= 0.08


def test_id_numbers_valid_unique_and_text(register):
    ids = register["身份证号"]
    assert ids.is_unique
    assert ids.str.fullmatch(r"513431\d{11}[\dX]").all()
    assert all(check_char(i) == i[17] for i in ids)
    born = register["出生日期"].str.replace("-", "", regex=False)
    assert (ids.str[6:14] == born).all()
    male = ids.str[16].astype(int) % 2 == 1
    assert (male == (register["性别"] == "男")).all()
    wb = openpyxl.load_workbook(sample_files()["register"], read_only=True)
    sheet = wb["登记表"]
    for column in (3, 6):  # 身份证号, 出生日期
        cells = sheet.iter_rows(min_row=2, min_col=column, max_col=column)
        assert {row[0].data_type for row in cells} == {"s"}
    wb.close()


def test_household_sizes_and_ages(register):
    sizes = register.groupby("户号").size()
    assert 3800 <= len(sizes) <= 4100
    assert 17_000 <= len(register) <= 19_000
    assert 4.4 <= sizes.mean() <= 4.8
    assert sizes.max() <= 12 and (sizes >= 11).sum() >= 1
    age = ages(register)
    assert 0.25 <= (age <= 14).mean() <= 0.30
    assert 0.10 <= (age >= 60).mean() <= 0.15
    assert (age >= 70).sum() > 0 and age.min() >= 0


def test_households_are_coherent(register, heads):
    counts = register.groupby("户号")["与户主关系"].apply(lambda r: (r == "户主").sum())
    assert (counts == 1).all()
    assert (ages(heads.reset_index()) >= 18).all()
    per_household = register.groupby("户号")[["原居住村", "原居住乡镇", "现属乡镇"]]
    assert (per_household.nunique() == 1).all().all()
    age = pd.Series(ages(register), index=register.index)
    head_age = register["户号"].map(pd.Series(ages(heads.reset_index()), heads.index))
    kids = register["与户主关系"].isin(["子", "女"])
    assert ((head_age - age)[kids] >= 18).all()
    elders = register["与户主关系"].isin(["父亲", "母亲"])
    assert ((age - head_age)[elders] >= 18).all()
    head_only = ["年收入", "稳定就业年限", "轮候登记日期"]
    assert heads[head_only].notna().all().all()
    assert register.loc[register["与户主关系"] != "户主", head_only].isna().all().all()
    years = heads["稳定就业年限"].astype(int)
    assert years.between(0, 8).all()
    assert (heads["年收入"].astype(int) > 0).all()


def test_origins(register):
    assert register["原居住乡镇"].nunique() == 28
    assert register[["原居住乡镇", "原居住村"]].drop_duplicates().shape[0] == 92
    assert register["原居住村"].nunique() == 92
    assert (register.groupby("原居住乡镇")["现属乡镇"].nunique() == 1).all()
    reference = pd.read_csv(SAMPLE_DIR / "reference" / "villages_2016_513431.csv")
    known = set(zip(reference["town"], reference["name"].str[:-5] + "村"))
    pairs = set(zip(register["原居住乡镇"], register["原居住村"]))
    assert pairs <= known


def test_units_layout(units):
    raw = sample_files()["units"].read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert list(units.columns) == UNIT_COLUMNS
    assert len(units) == 3900 and units["房号"].is_unique
    assert units["楼栋"].nunique() == 24
    assert set(units["面积"].astype(int)) == {25, 50, 75, 100, 125, 150}
    assert set(units["楼层"].astype(int)) == set(range(1, 12))
    status = units["状态"].value_counts()
    assert set(status.index) == {"空置", "已入住", "预留", "维修中"}
    assert 3200 <= status["已入住"] <= 3500
    accessible = units["无障碍"] == "是"
    assert (units.loc[accessible, "楼层"] == "1").all()
    assert 0.03 <= accessible.mean() <= 0.05
    occupied = units["状态"] == "已入住"
    assert (units.loc[occupied, "现住户号"] != "").all()
    assert (units.loc[~occupied, ["现住户号", "入住日期"]] == "").all().all()
    moved = pd.to_datetime(units.loc[occupied, "入住日期"], format="%Y-%m-%d")
    assert moved.min() >= pd.Timestamp("2020-05-10")
    assert moved.max() <= pd.Timestamp("2025-12-31")
    assert (moved.dt.year == 2020).mean() > 0.5


def test_occupants_exist_and_fit_their_band(units, register, heads):
    occupied = units[units["状态"] == "已入住"]
    assert occupied["现住户号"].is_unique
    assert occupied["现住户号"].isin(heads.index).all()
    sizes = register.groupby("户号").size()
    size = occupied["现住户号"].map(sizes)
    area = occupied["面积"].astype(int)
    assert ((12 * size <= area) & (area <= 25 * size)).all()
    moved = occupied.set_index("现住户号")["入住日期"]
    assert (heads.loc[moved.index, "轮候登记日期"] < moved).all()


def test_waiting_households_outnumber_vacant_units(units, heads):
    housed = set(units["现住户号"]) - {""}
    waiting = heads.index.difference(list(housed))
    vacant = units["状态"] == "空置"
    assert len(waiting) > vacant.sum()
    since = heads.loc[waiting, "轮候登记日期"]
    assert since.between("2021-01-01", "2026-12-31").all()


def test_some_waiting_household_has_no_fitting_vacancy(units, register):
    housed = set(units["现住户号"]) - {""}
    sizes = register.groupby("户号").size()
    waiting = sizes[~sizes.index.isin(housed)]
    vacant = set(units.loc[units["状态"] == "空置", "面积"].astype(int))
    unfit = [s for s in waiting if not any(12 * s <= a <= 25 * s for a in vacant)]
    assert len(unfit) >= 1


def test_geometry(units):
    files = sample_files()
    county = gpd.read_file(files["county"])
    sites = gpd.read_file(files["sites"])
    facilities = gpd.read_file(files["facilities"])
    for frame in (county, sites, facilities):
        assert frame.crs.to_epsg() == 4490
    assert county.loc[0, "adcode"] == "513431" and county.loc[0, "name"] == "昭觉县"
    assert list(sites["安置点编号"]) == [f"ZJ01-{i}" for i in range(1, 5)]
    boundary = county.geometry.iloc[0]
    polygons = sites.set_index("安置点编号").geometry
    buildings = units.drop_duplicates("楼栋")
    assert len(buildings) == 24
    for _, b in buildings.iterrows():
        point = Point(float(b["经度"]), float(b["纬度"]))
        assert polygons[b["安置点编号"]].contains(point)
        assert boundary.contains(point)
    assert facilities.geometry.within(boundary).all()
    kinds = facilities["类型"].value_counts().to_dict()
    assert kinds == {
        "幼儿园": 3,
        "小学": 2,
        "初中": 1,
        "社区卫生服务中心": 1,
        "卫生室": 2,
    }
    assert facilities["容量"].dtype.kind == "i"


def test_regeneration_is_byte_identical(tmp_path):
    from sample_data.generate import DEFAULT_SEED, generate

    generate(tmp_path, DEFAULT_SEED)
    for name in ("units.csv", "sites.geojson", "facilities.geojson", "register.xlsx"):
        assert (tmp_path / name).read_bytes() == (SAMPLE_DIR / name).read_bytes(), name
