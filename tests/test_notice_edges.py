"""The public notice and the orders with missing texts or outdated allocations.

On the tiny county (solved by the CLI on 2026-10-01): scenario 新增户 adds
the 50 m² unit B-202 and household N1 (王建军 and 刘芳, no ID numbers, no
former village or township), who gets B-202; scenario 关闭幼儿园 closes K1;
a petition trial (H2 refusing A-201) is saved as scenario 信访. Promoting
新增户 changes the base, so 关闭幼儿园 and 信访 are out of date from then on.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
import shutil
from pathlib import Path

import pytest
from pypdf import PdfReader

from allocator.cli import main
from allocator.orders import (
    AllocationOrder,
    MemberLine,
    ServiceLine,
    mask_id_number,
    write_orders_pdf,
)
from allocator.project import load_project
from tests.conftest import TINY_TODAY, tiny_solved_by_cli

DAY = TINY_TODAY.isoformat()
UPDATE = Path(__file__).parent / "data" / "register_update" / "register_2026_11.csv"
ADD_HOUSEHOLD = {
    "add_units": [{"unit_id": "B-202", "site_id": "S1", "building": "B栋",
                   "floor": 2, "area_m2": 50, "lon": 102.85, "lat": 28.04}],
    "add_households": [{
        "household_id": "N1", "category": "退役军人", "waiting_since": "2020-01-10",
        "annual_income": 30000, "stable_job_years": 1,
        "members": [
            {"name": "王建军", "birth_date": "1990-02-03", "sex": "男",
             "relationship": "户主", "disability": "无"},
            {"name": "刘芳", "birth_date": "1991-05-06", "sex": "女",
             "relationship": "配偶"}]}]}


def _text(path: Path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """The tiny county with the three scenarios solved, before any promote."""
    folder = tmp_path_factory.mktemp("notice_edges")
    path = tiny_solved_by_cli(folder / "p.gpkg")
    changes = folder / "add.json"
    changes.write_text(json.dumps(ADD_HOUSEHOLD, ensure_ascii=False), encoding="utf-8")
    assert main(["scenario", "new", str(path), "新增户", "--file", str(changes)]) == 0
    assert main(["scenario", "new", str(path), "关闭幼儿园",
                 "--close-facility", "K1"]) == 0
    for name in ("新增户", "关闭幼儿园"):
        assert main(["solve", str(path), "--scenario", name, "--backend", "cpsat",
                     "--date", DAY]) == 0
    assert main(["petition", str(path), "--household", "H2", "--exclude-unit",
                 "A-201", "--backend", "cpsat", "--date", DAY,
                 "--save-as", "信访"]) == 0
    return path


@pytest.fixture()
def project(built, tmp_path) -> Path:
    path = tmp_path / "p.gpkg"
    shutil.copy(built, path)
    return path


@pytest.fixture()
def promoted(project) -> Path:
    assert main(["scenario", "promote", str(project), "新增户", "--reason", "试"]) == 0
    return project


def _notice(path: Path, pdf: Path, *extra: str) -> int:
    return main(["notice", str(path), "--pdf", str(pdf), "--date", "2026-10-08",
                 *extra])


def test_a_household_without_id_numbers_is_posted_with_a_dash(promoted, tmp_path,
                                                              capsys):
    pdf = tmp_path / "n.pdf"
    assert _notice(promoted, pdf) == 0
    assert "wrote" in capsys.readouterr().out
    text = _text(pdf)
    # 序号 5, 户号 N1, 户主 王*军, 身份证号 —, 2 people, unit B-202, no pupil.
    assert "5\nN1\n王*军 —\n2\nB-202\n—" in text
    assert "4\nH4\n勒**人 513431********0254\n1\nB-201\n—" in text
    assert "nan" not in text.lower() and "None" not in text


def test_a_scenario_notice_names_the_heads_of_the_households_it_adds(project,
                                                                     tmp_path):
    pdf = tmp_path / "n.pdf"
    assert _notice(project, pdf, "--scenario", "新增户") == 0
    text = _text(pdf)
    assert "现将本方案新分配住房的5户名单" in text.replace("\n", "")
    assert "新增户" not in text  # a scenario's name stays off the notice
    assert "5\nN1\n王*军 —\n2\nB-202\n—" in text


def test_the_orders_of_a_household_without_id_numbers_print_dashes(promoted,
                                                                   tmp_path):
    pdf = tmp_path / "o.pdf"
    assert main(["export", str(promoted), "--pdf", str(pdf), "--household",
                 "N1"]) == 0
    text = _text(pdf)
    assert "户主姓名：\n王建军\n身份证号：\n—\n安置类别：\n退役军人" in text
    # Members: 序号, 姓名, 与户主关系, 性别, 年龄 (on the day of issue), ID.
    today = dt.date.today()
    him = today.year - 1990 - ((today.month, today.day) < (2, 3))
    her = today.year - 1991 - ((today.month, today.day) < (5, 6))
    assert f"\n1\n王建军\n户主\n男\n{him}\n—\n2\n刘芳\n配偶\n女\n{her}\n—\n" in text


def test_the_order_of_a_household_without_a_former_residence_prints_a_dash(
        promoted, tmp_path):
    pdf = tmp_path / "o.pdf"
    assert main(["export", str(promoted), "--pdf", str(pdf), "--household",
                 "N1"]) == 0
    text = _text(pdf)
    assert "原居住地：\n—\n" in text
    assert "nan" not in text.lower()


def _refused(path: Path, pdf: Path, name: str, capsys) -> str:
    entries = len(load_project(path).ledger)
    capsys.readouterr()
    assert _notice(path, pdf, "--scenario", name) == 1  # as promote's refusal
    err = capsys.readouterr().err
    assert not pdf.exists()
    assert not any(pdf.parent.glob(f".{pdf.stem}.*"))  # no half-written file
    assert len(load_project(path).ledger) == entries  # no notice logged
    return err


def test_the_notice_of_an_out_of_date_scenario_is_refused(promoted, tmp_path,
                                                          capsys):
    entry = len(load_project(promoted).ledger)  # the promote is the last entry
    pdf = tmp_path / "notice" / "n.pdf"
    err = _refused(promoted, pdf, "关闭幼儿园", capsys)
    assert err == (
        "错误 error: scenario '关闭幼儿园' is out of date (已过期), so no public "
        "notice is printed for it: made against an earlier base (changed since "
        f"by ledger entry {entry}: promote of scenario 新增户 to the base); solve "
        "it again on the current base (its changes still apply): `allocator solve "
        f"{promoted} --scenario 关闭幼儿园`; nothing written\n")
    assert not pdf.parent.exists()
    # Solved again on the current base, it is posted.
    assert main(["solve", str(promoted), "--scenario", "关闭幼儿园", "--backend",
                 "cpsat", "--date", DAY]) == 0
    assert _notice(promoted, pdf, "--scenario", "关闭幼儿园") == 0
    assert "现将本方案新分配住房的" in _text(pdf).replace("\n", "")


def test_the_notice_of_an_out_of_date_petition_trial_is_refused(promoted, tmp_path,
                                                                capsys):
    err = _refused(promoted, tmp_path / "n.pdf", "信访", capsys)
    assert err.startswith("错误 error: scenario '信访' is out of date (已过期), so "
                          "no public notice is printed for it: made against an "
                          "earlier base")
    assert err.endswith(
        "try the petition again on the current base: `allocator scenario delete "
        f"{promoted} 信访`, then `allocator petition {promoted} --household H2 "
        "--exclude-unit A-201 --save-as 信访`; nothing written\n")


def test_the_notice_of_a_current_petition_trial_is_printed(project, tmp_path):
    pdf = tmp_path / "n.pdf"
    assert _notice(project, pdf, "--scenario", "信访") == 0
    text = _text(pdf).replace("\n", "")
    assert "现将本方案新分配住房的" in text
    # Found by a new user: the trial's name (often the household's, as here
    # 信访) was printed in the heading and in every footer's run id.
    assert "信访" not in text
    assert re.search(r"测算编号 \d{8}T\d{6}-\d+ · ", text)


def test_after_a_register_update_the_notice_is_refused_as_the_orders_are(
        project, tmp_path, capsys):
    assert main(["register", str(project), str(UPDATE), "--apply", "--reason",
                 "户籍核对", "--date", "2026-11-20"]) == 0
    # The way on that keeps housed households in their units comes first.
    assert (f"run `allocator reallocate {project}` (households already housed "
            "keep their units") in capsys.readouterr().err
    orders, notice = tmp_path / "o.pdf", tmp_path / "n.pdf"
    assert main(["export", str(project), "--pdf", str(orders)]) == 1
    refused_orders = capsys.readouterr().err
    assert _notice(project, notice) == 1
    refused_notice = capsys.readouterr().err
    assert refused_notice == refused_orders
    assert "the register was updated after its allocation was made" in refused_notice
    assert "run `allocator reallocate` first" in refused_notice
    assert not orders.exists() and not notice.exists()


# ---------------------------------------------------------------------------
# Orders with missing values, straight to the PDF writer
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("value", [None, math.nan, "nan", "None", "", "  "])
def test_a_missing_id_number_masks_to_nothing(value):
    assert mask_id_number(value) == ""


def test_every_missing_text_of_an_order_prints_a_dash(tmp_path):
    nan = math.nan
    order = AllocationOrder(
        order_number="测试安分〔2026〕0001号", issue_date=dt.date(2026, 10, 8),
        county="测试县", office="测试县易地扶贫搬迁安置工作领导小组办公室",
        household_id="N9", head_name=nan, head_id_number=nan, category=None,
        origin=nan,
        members=(MemberLine(nan, None, nan, 30, nan),),
        kind="allocated", site_name=nan, building=None, unit_number="B-9",
        floor=nan, area_m2=nan, accessible=nan,
        services=(ServiceLine(nan, "卫生服务", "社区卫生服务中心", nan, ""),),
        rule_text=nan, run_label="测试", wish_text=nan)
    text = _text(write_orders_pdf([order], tmp_path / "o.pdf"))
    assert "户主姓名：\n—\n身份证号：\n—\n安置类别：\n—\n原居住地：\n—\n" in text
    assert "\n1\n—\n—\n—\n30\n—\n" in text  # name, relationship, sex, age, ID
    # 安置点, 楼栋, 房号, 楼层, 面积, 无障碍
    assert "面积（m²） 无障碍\n—\n—\nB-9\n—\n—\n—\n" in text
    # The service line: member, kind, facility, distance.
    assert "—\n卫生服务\n社区卫生服务中心\n—\n" in text
    assert "四、安排依据\n—\n特此通知。" in text
    assert "nan" not in text.lower() and "None" not in text


def test_a_notice_posted_before_the_allocation_is_refused(project, tmp_path,
                                                          capsys):
    # Found by a new user: --date 2026-01-01 posted a notice whose objection
    # period had closed before the allocation (solved for 2026-10-01) existed.
    pdf = tmp_path / "n.pdf"
    entries = len(load_project(project).ledger)
    assert main(["notice", str(project), "--pdf", str(pdf), "--date",
                 "2026-09-30"]) == 2
    assert ("--date 2026-09-30 is before the allocation was made (2026-10-01)"
            in capsys.readouterr().err)
    assert not pdf.exists() and len(load_project(project).ledger) == entries
    assert main(["notice", str(project), "--pdf", str(pdf), "--date",
                 "2026-10-01"]) == 0
