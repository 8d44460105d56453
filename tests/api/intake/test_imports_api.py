"""Bulk lead import and the XLSX catalogue: all rows or none."""
import io

from openpyxl import Workbook

from engine.intake import catalogue


def _xlsx(rows) -> io.BytesIO:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    return out


def test_bulk_import_routes_every_row_or_stores_nothing(client, auth):
    d = auth("dispatcher")
    good = _xlsx([["channel", "text", "place", "external_ref", "reporter_name"],
                  ["grid", "城南路有人占道经营卖水果", "城南路3号", "G-1", "张"],
                  ["grid", "某路口有人摆摊", "花园路口", "G-2", None],
                  ["camera", "北门社区有人焚烧垃圾冒黑烟", "北门社区", "C-9", None]])
    bad = _xlsx([["channel", "text", "place"], ["grid", "城南路有人占道经营", "城南路"],
                 ["grid", "", "城南路"], ["grid", "有人占道经营", "浙江省杭州市西湖区"]])
    r = client.post("/api/v1/leads/import", headers=d, data={"file": (bad, "leads.xlsx")})
    assert r.status_code == 422 and set(r.json["errors"]) == {"row2.text", "row3.place"}
    assert client.get("/api/v1/leads?status=waiting", headers=d).json == []
    r = client.post("/api/v1/leads/import", headers=d, data={"file": (good, "leads.xlsx")})
    assert r.status_code == 201, r.json
    assert (r.json["created"], r.json["dispatched"], r.json["waiting"]) == (3, 2, 1)
    r = client.post("/api/v1/leads/import", headers=auth("cn_leader"),
                    data={"file": (io.BytesIO(b"channel,text,place\n"), "x.csv")})
    assert r.status_code == 403
    r = client.post("/api/v1/leads/import", headers=d, data={"file": (io.BytesIO(b"\x00\x01"), "x.pdf")})
    assert r.status_code == 422 and "file" in r.json["errors"]


def test_catalogue_from_xlsx_becomes_current_and_routes(client, auth):
    rows = [list(catalogue.COLUMNS),
            ["Q001", "违规放飞无人机", "交通运输", "《无人驾驶航空器飞行管理暂行条例》第十九条、第五十一条",
             "无人机|黑飞", "航拍|飞行器", "county", "否", "", "ordinary_procedure"]]
    r = client.post("/api/v1/intake/catalogue", headers=auth("admin"),
                    data={"file": (_xlsx(rows), "catalogue.xlsx"), "note": "试点目录"})
    assert r.status_code == 201, r.json
    assert r.json["matter_count"] == 1 and r.json["note"] == "试点目录"
    top = client.post("/api/v1/leads/route", headers=auth("dispatcher"), json={"text": "青山风景区有人黑飞无人机航拍"})
    assert top.status_code == 200 and top.json[0]["code"] == "Q001" and "无人机" in top.json[0]["words"]
    lead = client.post("/api/v1/leads", headers=auth("dispatcher"),
                       json={"channel": "complaint", "text": "青山风景区有人黑飞无人机", "place": "青山风景区"}).json
    assert lead["catalogue_version"] == r.json["version"] and lead["unit"] == "bureau"
