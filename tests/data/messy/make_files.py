"""Writes the small messy input files of tests/test_messy_inputs.py.

Run from the repository root: ``python tests/data/messy/make_files.py``.
Each file is one way real registers and map files go wrong.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import geopandas as gpd
import openpyxl
from shapely.geometry import Point, Polygon

HERE = Path(__file__).parent
TINY = HERE.parent / "tiny"


def facilities_frame() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"设施编号": ["K1", "P1"], "名称": ["第一幼儿园", "城关二小"],
         "类型": ["幼儿园", "小学"], "容量": [300, 500]},
        geometry=[Point(102.85, 28.031), Point(102.85, 28.0405)], crs="EPSG:4490")


def shapefiles() -> None:
    frame = facilities_frame()
    base = HERE / "shp_gbk_right_cpg"
    base.mkdir(exist_ok=True)
    frame.to_file(base / "f.shp", encoding="gbk")
    for case in ("shp_gbk_no_cpg", "shp_gbk_wrong_cpg", "shp_no_prj"):
        folder = HERE / case
        folder.mkdir(exist_ok=True)
        for ext in ("shp", "shx", "dbf", "prj", "cpg"):
            shutil.copy(base / f"f.{ext}", folder / f"f.{ext}")
    (HERE / "shp_gbk_no_cpg" / "f.cpg").unlink()
    (HERE / "shp_gbk_wrong_cpg" / "f.cpg").write_text("UTF-8")
    (HERE / "shp_no_prj" / "f.prj").unlink()
    utf8 = HERE / "shp_utf8_cpg_says_gbk"
    utf8.mkdir(exist_ok=True)
    frame.rename(columns={"设施编号": "id", "名称": "name", "类型": "kind",
                          "容量": "capacity"}).to_file(utf8 / "f.shp", encoding="utf-8")
    (utf8 / "f.cpg").write_text("GBK")


def registers() -> None:
    text = (TINY / "register.csv").read_text(encoding="utf-8-sig")
    (HERE / "register_utf8_bom.csv").write_text(text, encoding="utf-8-sig")
    (HERE / "register_utf8.csv").write_text(text, encoding="utf-8")
    (HERE / "register_gbk.csv").write_bytes(text.encode("gbk"))
    lines = text.splitlines()
    header, rows = lines[0], [line.split(",") for line in lines[1:]]
    # ID column is the third. Row numbers below are spreadsheet rows.
    from allocator.idnumber import check_digit

    def with_x(prefix: str, male: bool) -> str:
        for sequence in range(1 if male else 0, 1000, 2):
            first17 = f"{prefix}{sequence:03d}"
            if check_digit(first17) == "X":
                return first17 + "X"
        raise AssertionError("no sequence gives X")

    head = with_x("51343119850302", male=True)
    rows[0][2] = head[:-1] + "x"                                  # row 2: x
    rows[1][2] = rows[1][2][:17]                                  # row 3: 17 digits
    last = rows[2][2][-1]
    rows[2][2] = rows[2][2][:-1] + ("0" if last != "0" else "1")  # row 4: check
    rows[3][2] = head.translate(str.maketrans(
        "0123456789X", "０１２３４５６７８９Ｘ"))                    # row 5: dup of 2
    rows[4][5] = "2022-02-02"                                     # row 6: birth
    rows[5][2] = with_x("51343120220201", male=True)              # row 7: X kept
    (HERE / "register_ids.csv").write_text(
        "\n".join([header] + [",".join(r) for r in rows]) + "\n", encoding="utf-8")

    numbers = [line.split(",") for line in lines[1:]]
    numbers[0][8] = "３０，０００"                                  # full-width income
    numbers[4][9] = "三年"                                          # not a number
    (HERE / "register_numbers.csv").write_text(
        "\n".join([header] + [",".join(r) for r in numbers]) + "\n",
        encoding="utf-8")

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(header.split(","))
    for row in rows[:0] + [line.split(",") for line in lines[1:]]:
        sheet.append(row)
    sheet.cell(row=3, column=3).value = int(lines[2].split(",")[2])  # a number
    book.save(HERE / "register_numeric_id.xlsx")


def units() -> None:
    text = (TINY / "units.csv").read_text(encoding="utf-8-sig").splitlines()
    rows = [line.split(",") for line in text]
    rows[1][4] = "５０"          # full-width area, row 2
    rows[2][4] = "七十五"        # not a number, row 3
    rows[4][0] = rows[1][0]      # duplicate 房号 on row 5
    (HERE / "units_messy.csv").write_text(
        "\n".join(",".join(r) for r in rows) + "\n", encoding="utf-8-sig")


def coordinates() -> None:
    from gis.crs import wgs84_to_gcj02

    lon, lat = wgs84_to_gcj02([102.85, 102.85, 102.85], [28.031, 28.0405, 28.035])
    lines = ["纬度,设施编号,名称,类型,容量,经度,坐标系"]
    names = [("K1", "第一幼儿园", "幼儿园", 2), ("P1", "第一小学", "小学", 5),
             ("C1", "社区卫生服务中心", "社区卫生服务中心", 100)]
    for (fid, name, kind, cap), x, y in zip(names, lon, lat):
        lines.append(f"{y:.7f},{fid},{name},{kind},{cap},{x:.7f},GCJ-02")
    (HERE / "facilities_gcj02_column.csv").write_text("\n".join(lines) + "\n",
                                                      encoding="utf-8")
    swapped = ["设施编号,名称,类型,容量,经度,纬度",
               "K1,第一幼儿园,幼儿园,2,102.85,28.031",
               "P1,第一小学,小学,5,28.0405,102.85",
               "C1,社区卫生服务中心,社区卫生服务中心,100,102.85,28.035",
               "D1,重复编号,小学,5,102.85,28.035".replace("D1", "K1")]
    (HERE / "facilities_outside_and_duplicate.csv").write_text(
        "\n".join(swapped) + "\n", encoding="utf-8")


def geometries() -> None:
    features = [
        {"type": "Feature", "properties": {"安置点编号": "S1", "名称": "好"},
         "geometry": Polygon([(102.845, 28.025), (102.855, 28.025), (102.855, 28.045),
                              (102.845, 28.045)]).__geo_interface__},
        {"type": "Feature", "properties": {"安置点编号": "S2", "名称": "空"},
         "geometry": None},
        {"type": "Feature", "properties": {"安置点编号": "S3", "名称": "自相交"},
         "geometry": {"type": "Polygon", "coordinates": [[
             [102.84, 28.02], [102.85, 28.03], [102.85, 28.02], [102.84, 28.03],
             [102.84, 28.02]]]}},
    ]
    collection = {"type": "FeatureCollection", "crs": {
        "type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::4490"}},
        "features": features}
    (HERE / "sites_bad_geometry.geojson").write_text(
        json.dumps(collection, ensure_ascii=False), encoding="utf-8")


if __name__ == "__main__":
    import sys

    sys.path.insert(0, str(HERE.parents[2]))
    shapefiles()
    registers()
    units()
    coordinates()
    geometries()
