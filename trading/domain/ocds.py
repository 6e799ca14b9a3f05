"""The Open Contracting Data Standard (OCDS 1.1) view of a lot: releases at each published stage and the record
that compiles them (docs/OPEN_DATA.md has the field mapping).

Pure: it takes the published facts of a lot (``services.open_data.lot_facts``, which only ever holds what the
public may see at the time it is read) and maps them; it never reads anything else. Codes go to the OCDS
codelists; Chinese values (names, titles, scope, the method's Chinese name) are kept as they are, the release
declaring ``language: zh``. One contracting process, one ``ocid``, per round of a lot: ``<prefix>-<deal code>``
(a re-trade gets a new entry certificate and deal code, and is a new tender).

Stages and their releases (each a snapshot of what was published by its date):

- ``tender``: the announcement (tender, planning budget, buyer, procuring entity);
- ``tenderUpdate``: the opening record's counts (the ``bids`` extension's statistics) once the opening is under way,
  and a failed or cancelled lot (tender status ``unsuccessful`` / ``cancelled``);
- ``award``: the candidates' publicity (the first candidate's award ``pending``, every candidate a ``tenderer``
  and its bid, with its price, in the ``bids`` extension's ``details``);
- ``awardUpdate``: the award notice (award ``active``; if another candidate is awarded, the pending one is
  ``cancelled``);
- ``contract``: the contract announcement (government procurement only: the centre publishes no other contracts).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

BID_EXTENSION = "https://raw.githubusercontent.com/open-contracting-extensions/ocds_bid_extension/v1.1.5/extension.json"
CURRENCY = "CNY"
ORG_SCHEME = "CN-USCC"  # 统一社会信用代码 (unified social credit code)

# platform method -> OCDS method codelist (open, selective, limited, direct)
METHOD = {"open": "open", "invited": "selective", "negotiation": "limited", "consultation": "limited",
          "inquiry": "limited", "single_source": "direct", "tender": "open", "auction": "open", "listing": "open",
          "agreement": "direct"}
METHOD_ZH = {"open": "公开招标", "invited": "邀请招标", "negotiation": "竞争性谈判", "consultation": "竞争性磋商",
             "inquiry": "询价", "single_source": "单一来源", "tender": "招标", "auction": "拍卖", "listing": "挂牌",
             "agreement": "协议转让"}
# evaluation method -> OCDS awardCriteria codelist; land and property trades sell to the highest price
AWARD_CRITERIA = {"lowest_price": "priceOnly", "comprehensive": "ratedCriteria"}
# trade type -> OCDS procurementCategory (procurement: the lot's own goods / services / works)
CATEGORY = {"construction": "works"}
TRADE_TYPE_ZH = {"construction": "建设工程", "procurement": "政府采购", "land": "土地使用权出让",
                 "property": "国有产权交易"}
FAILED = {"failed": "unsuccessful", "cancelled": "cancelled"}


def _iso(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return f"{value.isoformat()}T00:00:00+08:00"
    return str(value)


def _amount(value) -> dict | None:
    if value is None:
        return None
    return {"amount": float(Decimal(value)), "currency": CURRENCY}


def _clean(value):
    """Drop empty values (OCDS releases leave out what is not known rather than sending null)."""
    if isinstance(value, dict):
        cleaned = {k: _clean(v) for k, v in value.items()}
        return {k: v for k, v in cleaned.items() if v not in (None, "", [], {})}
    if isinstance(value, list):
        return [v for v in (_clean(v) for v in value) if v not in (None, "", [], {})]
    return value


def ocid(prefix: str, facts: dict) -> str:
    """The contracting process of the lot's current round."""
    return f"{prefix}-{facts['deal_code'] or 'lot' + str(facts['id'])}"


def _party(org: dict | None, roles: list[str]) -> dict | None:
    if not org:
        return None
    return {"id": f"{ORG_SCHEME}-{org['credit_code']}", "name": org["name"], "roles": roles,
            "identifier": {"scheme": ORG_SCHEME, "id": org["credit_code"], "legalName": org["name"]}}


def _ref(org: dict) -> dict:
    return {"id": f"{ORG_SCHEME}-{org['credit_code']}", "name": org["name"]}


def _merge_parties(parties: list[dict | None]) -> list[dict]:
    merged: dict[str, dict] = {}
    for party in parties:
        if party is None:
            continue
        found = merged.setdefault(party["id"], {**party, "roles": []})
        found["roles"] += [role for role in party["roles"] if role not in found["roles"]]
    return list(merged.values())


def _tender(facts: dict, status: str, bids: dict | None) -> dict:
    project = facts["project"]
    method = facts["method"]
    trade_type = project["trade_type"]
    procuring = project["agency"] or project["tenderee"]
    category = CATEGORY.get(trade_type) or (facts["category"] if trade_type == "procurement" else None)
    sells = trade_type in ("land", "property")
    return {
        "id": facts["deal_code"] or str(facts["id"]),
        "title": f"{project['name']} {facts['name']}",
        "description": facts["scope"],
        "status": status,
        "procuringEntity": _ref(procuring),
        "value": None if sells else _amount(facts["budget"]),
        "minValue": _amount(facts["starting_price"]) if sells else None,
        "procurementMethod": METHOD.get(method),
        "procurementMethodDetails": f"{TRADE_TYPE_ZH[trade_type]}·{METHOD_ZH.get(method, method or '')}",
        "mainProcurementCategory": category,
        "awardCriteria": "priceOnly" if sells else AWARD_CRITERIA.get(facts["evaluation_method"]),
        "submissionMethod": ["electronicSubmission"],
        "tenderPeriod": {"startDate": _iso(facts["issued_at"]),
                         "endDate": _iso(facts["bid_deadline"] or facts["listing_end"])},
        "eligibilityCriteria": facts["qualification"],
        "numberOfTenderers": bids["received"] if bids else None,
    }


def bid_detail(the_ocid: str, number: int, org: dict, price, status: str = "valid") -> dict:
    """One bid in the ``bids`` extension's ``details``: its tenderer (by unified social credit code where known),
    its price and its status (bidStatus codelist: ``valid`` for a bid found compliant)."""
    tenderer = _ref(org) if org.get("credit_code") else {"name": org["name"]}
    return {"id": f"{the_ocid}-bid-{number}", "status": status, "tenderers": [tenderer], "value": _amount(price)}


def _bids(the_ocid: str, bids: dict | None, candidates=()) -> dict | None:
    """The ``bids`` extension: the opening record's counts (``statistics``) and, from the candidates' publicity on,
    the published candidates' bids (``details``, by rank: tenderer, price, ``valid``). Nothing else of a bid is
    published (who else bid and at what price stays with the opening record: ``Fact.BIDDERS``)."""
    if not bids:
        return None
    at = _iso(bids["opened_at"])
    return {"statistics": [
        {"id": "bids", "measure": "bids", "value": bids["received"], "date": at},
        {"id": "electronicBids", "measure": "electronicBids", "value": bids["received"], "date": at,
         "notes": "全部投标文件均通过电子交易平台加密递交"},
    ], "details": [bid_detail(the_ocid, c["rank"], c, c["price"]) for c in candidates]}


def releases(prefix: str, facts: dict) -> list[dict]:
    """The lot's releases, one per published stage reached, oldest first (empty before the announcement)."""
    announcement = facts["announcement"]
    if announcement is None:
        return []
    the_ocid = ocid(prefix, facts)
    project = facts["project"]
    buyer = project["tenderee"]
    parties: list[dict | None] = [_party(buyer, ["buyer"] + ([] if project["agency"] else ["procuringEntity"])),
                                  _party(project["agency"], ["procuringEntity"])]
    planning = {"budget": {"project": project["name"], "projectID": project["approval_number"],
                           "description": f"{project['funding_source']}（{project['approving_body']}批准）",
                           "amount": _amount(facts["budget"])}}
    common = {"ocid": the_ocid, "initiationType": "tender", "language": "zh", "buyer": _ref(buyer),
              "planning": planning}
    out: list[dict] = []

    def release(stage: str, tag: str, at, tender_status: str, *, bids=None, awards=None, contracts=None,
                more_parties=()) -> None:
        candidates = publicity["candidates"] if publicity and stage not in ("tender", "opening") else ()
        body = {**common, "id": f"{the_ocid}-{stage}", "date": _iso(at), "tag": [tag],
                "parties": _merge_parties([*parties, *more_parties]),
                "tender": _tender(facts, tender_status, bids), "bids": _bids(the_ocid, bids, candidates),
                "awards": awards, "contracts": contracts}
        out.append(_clean(body))

    state = facts["state"]
    publicity, award, contract, bids = facts["publicity"], facts["award"], facts["contract"], facts["bid_statistics"]
    release("tender", "tender", announcement["published_at"], "active")
    if bids:
        release("opening", "tenderUpdate", bids["opened_at"], "active", bids=bids)
    if publicity:
        first = publicity["candidates"][0] if publicity["candidates"] else None
        tenderers = [_party({"name": c["name"], "credit_code": c.get("credit_code")}, ["tenderer"])
                     for c in publicity["candidates"] if c.get("credit_code")]
        pending = [{"id": f"{the_ocid}-award-1", "title": f"{facts['name']} 中标（成交）候选人公示",
                    "status": "pending", "date": _iso(publicity["published_at"]),
                    "value": _amount(first["price"]),
                    "suppliers": [_ref(first)] if first.get("credit_code") else None}] if first else []
        release("publicity", "award", publicity["published_at"], "active", bids=bids, awards=pending,
                more_parties=tenderers)
        if award:
            same = first is not None and first.get("credit_code") == award["bidder"]["credit_code"]
            active = {"id": f"{the_ocid}-award-1" if same else f"{the_ocid}-award-{award['rank']}",
                      "title": f"{facts['name']} 中标（成交）通知", "status": "active",
                      "date": _iso(award["issued_at"]), "value": _amount(award["price"]),
                      "suppliers": [_ref(award["bidder"])]}
            awards = [active] if same else [{**pending[0], "status": "cancelled"}, active] if pending else [active]
            supplier = [_party(award["bidder"], ["supplier"])]
            release("award", "awardUpdate", award["issued_at"], "complete", bids=bids, awards=awards,
                    more_parties=tenderers + supplier)
            if contract:
                release("contract", "contract", contract["published_at"], "complete", bids=bids, awards=awards,
                        more_parties=tenderers + supplier,
                        contracts=[{"id": f"{the_ocid}-contract-{contract['id']}", "awardID": active["id"],
                                    "title": contract["number"], "status": "active",
                                    "value": _amount(contract["amount"]), "dateSigned": _iso(contract["signed_on"])}])
    if state in FAILED:
        release(state, "tenderCancellation" if state == "cancelled" else "tenderUpdate", facts["updated_at"],
                FAILED[state], bids=bids)
    return out


def merge(base, update):
    """OCDS merging of ``update`` into ``base``: objects field by field, arrays of objects by their ``id``, every
    other value replaced."""
    if isinstance(base, dict) and isinstance(update, dict):
        merged = dict(base)
        for key, value in update.items():
            merged[key] = merge(base[key], value) if key in base else value
        return merged
    if isinstance(base, list) and isinstance(update, list) and all(isinstance(i, dict) and "id" in i
                                                                    for i in base + update):
        merged = {item["id"]: item for item in base}
        for item in update:
            merged[item["id"]] = merge(merged[item["id"]], item) if item["id"] in merged else item
        return list(merged.values())
    return update


def record(prefix: str, facts: dict) -> dict | None:
    """The lot's record: its releases, and the compiled release merged from them (None before the announcement)."""
    found = releases(prefix, facts)
    if not found:
        return None
    compiled: dict = {}
    for item in found:
        compiled = merge(compiled, {k: v for k, v in item.items() if k not in ("id", "tag")})
    compiled.update({"id": f"{ocid(prefix, facts)}-compiled", "tag": ["compiled"], "date": found[-1]["date"]})
    return {"ocid": ocid(prefix, facts), "releases": found, "compiledRelease": compiled}


def package_meta(uri: str, published: datetime, publisher: str) -> dict:
    """The fields every package carries."""
    return {"uri": uri, "version": "1.1", "publishedDate": _iso(published), "publisher": {"name": publisher},
            "extensions": [BID_EXTENSION]}
