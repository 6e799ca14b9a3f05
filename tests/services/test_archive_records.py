"""The archive's readable records: printable HTML pages of the opening record, the evaluation report with its
working, the notices and the draw record, with an index, covered by the manifest and its signature; one changed
byte in a page is found by the offline verifier."""

from __future__ import annotations

import json
import re
import zipfile
from datetime import timedelta

from tests.services.test_evaluation import Scene
from trading.domain import archive as bundle, calendar
from trading.domain.archive_cli import main
from trading.services import archive, result

PAGES = {"records/index.html", "records/opening.html", "records/evaluation.html", "records/notices.html",
         "records/draw-1.html"}


def _archived(session, now, tmp_path):
    scene = Scene(session, now, tmp_path, ["4650000.00", "4598000.00", "4720000.00"], trade_type="procurement")
    publicity = scene.to_publicity()
    award = result.award(scene.ctx, session, scene.people.tenderee, publicity.ends_at, scene.lot, 1)
    at = publicity.ends_at + timedelta(hours=10)
    result.register_contract(scene.ctx, session, scene.people.tenderee, at, scene.lot, number="咸采合〔2026〕9号",
                             signed_on=calendar.local_date(at), amount=str(award.price))
    row = archive.create(scene.ctx, session, scene.people.staff, at, scene.lot)
    target = tmp_path / "archive.zip"
    with scene.store.open(row.blob_key) as handle:
        target.write_bytes(handle.read())
    return scene, target


def test_the_archive_holds_readable_records_built_from_its_own_data(app, session, now, tmp_path):
    scene, path = _archived(session, now, tmp_path)
    public = scene.platform.signing_key.public_key().public_bytes_raw()
    checked = bundle.verify_archive(path, expected_public_key=public)
    assert checked.ok, checked.problems
    with zipfile.ZipFile(path) as z:
        manifest = json.loads(z.read("manifest.json"))
        listed = {f["path"]: f for f in manifest["files"]}
        assert PAGES <= set(listed) and all(listed[p]["category"] == "records" for p in PAGES)
        pages = {p: z.read(p).decode() for p in PAGES}
        opened = json.loads(z.read("opening/opening-record.json"))
        evaluated = json.loads(z.read("evaluation/evaluation.json"))
        notices = json.loads(z.read("notices/notices.json"))
        drawn = json.loads(z.read("draw/draw-1.json"))
        names = set(z.namelist())
    for html in pages.values():  # self-contained: no script, nothing fetched, no link out of the archive
        assert "<script" not in html.lower() and not re.search(r"(?:src|href)=\"(?:https?:)?//", html)
        assert '<html lang="zh-CN">' in html and "<style>" in html
        for link in re.findall(r'href="([^"#]+)"', html):  # every link opens a file of the archive
            assert ("records/" + link if not link.startswith("../") else link[3:]) in names, link
    index = pages["records/index.html"]
    assert all(f'href="{p.split("/")[1]}"' in index for p in PAGES - {"records/index.html"})
    assert scene.lot.deal_code in index and scene.lot.project.tenderee.name in index
    assert notices["award"]["bidder"] in index and "2041-03-26" in index  # the winner, kept until
    opening = pages["records/opening.html"]
    assert "开标记录" in opening
    assert any(entry["files"] for entry in opened["entries"])
    for entry in opened["entries"]:
        assert entry["bidder"] in opening and f'{int(float(entry["price"])):,}' in opening
        for document in entry["files"]:  # each document by the hash its bidder signed (format v3: the ciphertext's)
            assert f'密文 {document["ciphertext_hash"]}' in opening and "salted_hash" not in document
    report = pages["records/evaluation.html"]
    assert "评标报告" in report and "综合评分法" in report
    for working in evaluated["report"]["working"].values():  # the price score's formula with its inputs
        assert working["价格"] in report and working["total"] in report
    assert all(m["name"] in report for m in evaluated["members"])  # the committee as it signed
    assert "4,598,000.00 / 4,650,000.00 × 30 = 29.66" in report
    notice_page = pages["records/notices.html"]
    assert all(c["name"] in notice_page for c in notices["publicity"]["candidates"])
    assert "咸采合〔2026〕9号" in notice_page
    draw = pages["records/draw-1.html"]
    for value in (drawn["commitment"]["commitment_hash"], drawn["pulse"]["output"], drawn["seed"],
                  drawn["secret"]):
        assert value in draw
    assert "、".join(str(i) for i in drawn["ranking"]["B014803"]) in draw  # the drawn order
    for secret in scene.passwords.values():  # room passwords are never archived
        assert all(secret not in html for html in pages.values())


def test_one_changed_byte_in_a_record_is_found_offline(app, session, now, tmp_path, capsys):
    scene, path = _archived(session, now, tmp_path)
    public = scene.platform.signing_key.public_key().public_bytes_raw().hex()
    assert main(["verify", str(path), "--public-key", public]) == 0
    forged = tmp_path / "forged.zip"
    with zipfile.ZipFile(path) as z, zipfile.ZipFile(forged, "w") as out:
        for info in z.infolist():
            data = z.read(info)
            if info.filename == "records/opening.html":
                at = data.index(b"4,650,000.00")  # one digit of a price
                data = data[:at] + b"5" + data[at + 1:]
            out.writestr(info, data)
    checked = bundle.verify_archive(forged, expected_public_key=bytes.fromhex(public))
    assert checked.kinds() == [("hash", "records/opening.html")]
    capsys.readouterr()
    assert main(["verify", str(forged), "--public-key", public]) == 1
    assert "records/opening.html" in capsys.readouterr().out
