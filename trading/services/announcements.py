"""The announcement (招标公告/采购公告/出让公告/转让公告) and the documents, from the standard template of the
trade type, with a timetable the rules in force allow (``rulebook``: the law made stricter by the centre's
configuration and its administrator); then clarifications, which may move the deadline. The announcement records
the rules in force with the lot: its round is judged by them to the end (``rulebook.record``)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import object_session

from ..domain import documents, methods, property_disclosure, property_terms, regions, rules, schedule, specialties
from ..domain.errors import N_, DomainError
from ..domain.sealing import ceremony
from ..models import Announcement, Clarification, Lot, Organisation
from . import pre_disclosures, published_keys, rulebook
from .lots import require_tenderee, transition
from .methods import invitees as approved_invitees
from .objections import lot_schedule

SCHEDULE_FIELDS = ("issued_at", "documents_until", "clarification_cutoff", "objection_cutoff", "bid_deadline",
                   "opening_at", "listing_start", "listing_end", "auction_start")


def centre_region(session, lot: Lot) -> str:
    """The region named in the texts: the trading centre's (the platform's centre), else the project's."""
    code = session.scalar(sa.select(Organisation.region_code).where(
        Organisation.org_type == "trading_centre", Organisation.active, Organisation.region_code.is_not(None))
        .order_by(Organisation.id).limit(1))
    return regions.name(code if code and regions.get(code) else lot.project.region_code)


def context(ctx, lot: Lot, timetable: schedule.Schedule, region: str, key_fingerprint: str | None = None,
            key_holders: tuple[documents.KeyHolder, ...] = (),
            suppliers: tuple[str, ...] = ()) -> documents.DocumentContext:
    """The standard template's fields, filled from the lot, its project, the centre's region, the timetable and the
    rules in force; the announcement lists the platform's published keys (``published_keys.notices``) and
    ``key_holders``, who hold the opening key's shares; ``suppliers``: the one supplier a single source names."""
    project = lot.project
    catalogue = specialties.load()
    land = None
    if project.trade_type == "land" and lot.land_details:
        details = lot.land_details
        land = documents.LandDetails(location=lot.location, area_m2=Decimal(details["area"]), use=details["use"],
                                     term_years=int(details["term_years"]),
                                     plot_ratio_min=Decimal(details["plot_ratio_min"]),
                                     plot_ratio_max=Decimal(details["plot_ratio_max"]))
    price = lot.budget if lot.budget is not None else lot.starting_price
    return documents.DocumentContext(
        project_name=project.name, approval_number=project.approval_number, approval_body=project.approving_body,
        approval_date=project.approval_date, tenderee=project.tenderee.name, region=region,
        trade_type=project.trade_type, method=lot.method, method_name=rules.METHODS[lot.method].name_zh,
        lot_name=lot.name, lot_number=str(lot.number), deal_code=lot.deal_code or "", price=price,
        deposit=lot.deposit, schedule=timetable, contact_name=project.contact_name or project.tenderee.name,
        contact_phone=project.contact_phone or "—", agency=project.agency.name if project.agency else None,
        category=lot.category, location=lot.location or None, scope=lot.scope or None,
        duration=lot.duration or None, qualification=lot.qualification or None,
        evaluation_method=lot.evaluation_method,
        criteria=tuple(documents.Criterion(c["name"], Decimal(c["weight"]), Decimal(c["weight"]))
                       for c in lot.criteria),
        specialties=tuple(documents.SpecialtyNeed(s.code, catalogue.label(s.code) if catalogue.get(s.code) else s.code,
                                                  s.count) for s in lot.specialties),
        increment=lot.increment, reserve_note="本宗地设有底价" if project.trade_type == "land" else None, land=land,
        valuation=lot.valuation, property_terms=_property_terms(lot),
        key_fingerprint=key_fingerprint, platform_keys=published_keys.notices(ctx.keyring), key_holders=key_holders,
        key_threshold=lot.key_threshold, complex=lot.complex, complex_reason=lot.complex_reason or None,
        suppliers=suppliers, rules=rules_of(ctx, lot))


def _property_terms(lot: Lot) -> documents.PropertyTerms | None:
    """A property lot's payment and result publicity as the templates print them (None for other lots)."""
    terms = lot.property_terms or {}
    if lot.project.trade_type != "property" or "payment" not in terms:
        return None
    upfront = terms.get("upfront_percent")
    return documents.PropertyTerms(payment=terms["payment"], result_publicity_days=terms["result_publicity_days"],
                                   upfront_percent=Decimal(upfront) if upfront else None,
                                   balance_months=terms.get("balance_months"),
                                   price_approval=terms.get("price_approval"),
                                   price_approval_body=terms.get("price_approval_body"),
                                   asset=terms.get("asset") or "equity", lease_years=terms.get("lease_years"),
                                   resolution=terms.get("resolution"),
                                   bidding_form=property_terms.bidding_form(terms))


def rules_of(ctx, lot: Lot):
    """The rules the lot is judged by (``rulebook.of_lot``), through the lot's own session."""
    return rulebook.of_lot(ctx, object_session(lot), lot)


def propose(ctx, lot: Lot, now: datetime) -> schedule.Schedule:
    """The earliest timetable the rules in force allow for the lot's method, issued now."""
    return schedule.propose(lot.project.trade_type, lot.method, now, rules=rules_of(ctx, lot))


def complete(ctx, lot: Lot, given: schedule.Schedule) -> schedule.Schedule:
    """Fill the cut-offs and opening time the tenderee does not type, derived from the chosen deadline."""
    in_force = rules_of(ctx, lot)
    proposed = schedule.propose(lot.project.trade_type, lot.method, given.issued_at, rules=in_force)
    filled = {name: getattr(given, name) or getattr(proposed, name) for name in SCHEDULE_FIELDS}
    if given.bid_deadline and given.bid_deadline != proposed.bid_deadline:
        found = schedule.plan(lot.project.trade_type, lot.method)
        if found.clarification:
            filled["clarification_cutoff"] = schedule.latest_cutoff(given.bid_deadline, found.clarification,
                                                                    rules=in_force)
        if found.objection:
            filled["objection_cutoff"] = schedule.latest_cutoff(given.bid_deadline, found.objection, rules=in_force)
        if proposed.opening_at is not None:
            filled["opening_at"] = given.bid_deadline
    return schedule.Schedule(**filled)


def key_holders(session, lot: Lot) -> tuple[documents.KeyHolder, ...]:
    """The round's key holders (role, name, organisation, personal key fingerprint) as the announcement names them."""
    from .keys import published_holders

    return tuple(documents.KeyHolder(share.role, share.holder.display_name, share.holder.organisation.name,
                                     key.fingerprint if key else "")
                 for share, key in published_holders(session, lot) if share.revoked_at is None)


def preview(ctx, session, lot: Lot, timetable: schedule.Schedule,
            key_fingerprint: str | None = None) -> tuple[tuple[str, str], tuple[str, str]]:
    """The announcement and the documents as they would be published: ((title, text), (title, text)); before
    the ceremony the opening key's fingerprint and its holders read "to be published"."""
    holders = key_holders(session, lot) if key_fingerprint else ()
    suppliers = ()  # single source publishes its one supplier (采购条例 Art. 38); invitations stay unpublished
    if lot.method == methods.SINGLE_SOURCE:
        suppliers = tuple(org.name for org in approved_invitees(session, lot))
    filled = context(ctx, lot, timetable, centre_region(session, lot), key_fingerprint, holders, suppliers)
    return documents.render_announcement(filled), documents.render_documents(filled)


def publish(ctx, session, actor, now: datetime, lot: Lot, timetable: schedule.Schedule,
            key_threshold: int | None = None) -> Announcement:
    """Check the timetable against the rules in force, run the key ceremony, render the texts (listing the
    platform's published keys), publish, and move the lot to announced. ``key_threshold`` is how many of the three
    key holders must release their shares to open the bids."""
    require_tenderee(actor, lot.project)
    if lot.state != "method_approved" or not lot.method:
        raise DomainError(N_("The lot can be announced once its method is approved."), field="lot",
                          rule="platform.five_stages")
    in_force = rulebook.record(ctx, session, lot)  # the round keeps the rules it is announced under
    schedule.validate(lot.project.trade_type, lot.method, timetable, now, rules=in_force)
    if lot.project.trade_type == "property":
        pre_disclosures.check_formal(ctx, session, lot, in_force, now, timetable.listing_start)
    if lot.project.trade_type == "property" and (lot.valuation is not None or lot.property_terms):  # against the
        # rules it is announced under, counting 12 months from the first formal disclosure (property.no_buyer_revalue)
        property_terms.check(in_force, property_terms.input_of(lot.valuation, lot.property_terms),
                             starting_price=lot.starting_price, lot_round=lot.round,
                             first_disclosure=lot.first_disclosure_at, disclosure_start=timetable.listing_start)
        if lot.first_disclosure_at is None or property_disclosure.revaluation_due(
                lot.first_disclosure_at, timetable.listing_start, in_force):
            lot.first_disclosure_at = timetable.listing_start  # the count starts (again, under a new valuation)
    if key_threshold is not None:
        ceremony.check_threshold(key_threshold, len(ceremony.DEFAULT_ROLES))
        lot.key_threshold = key_threshold
    for name in SCHEDULE_FIELDS:
        setattr(lot, name, getattr(timetable, name))
    from .keys import run_ceremony  # keys reads the announcement's holders from here

    made = run_ceremony(session, actor, now, lot)  # the opening key, for lots that take sealed bids
    fingerprint = made.fingerprint if made is not None else None
    (title, text), (documents_title, documents_text) = preview(ctx, session, lot, timetable, fingerprint)
    transition(session, lot, "announce", actor, "tenderee", now,
               payload={name: getattr(timetable, name) for name in SCHEDULE_FIELDS if getattr(timetable, name)})
    row = Announcement(lot_id=lot.id, round=lot.round, title=title, text=text, documents_title=documents_title,
                       documents_text=documents_text, published_by_id=actor.id, published_at=now)
    session.add(row)
    session.flush()
    return row


def clarify(ctx, session, actor, now: datetime, lot: Lot, text: str) -> Clarification:
    """Issue a clarification to every signed-up bidder; one too close to the deadline (by the rules in force) moves
    it (法 Art. 23)."""
    require_tenderee(actor, lot.project)
    text = (text or "").strip()
    if len(text) < 4:
        raise DomainError(N_("Write the clarification or change."), field="text")
    before = lot_schedule(lot)
    after, moved = schedule.after_clarification(before, now, lot.project.trade_type, lot.method,
                                                rules=rulebook.of_lot(ctx, session, lot))
    transition(session, lot, "clarify", actor, "tenderee", now,
               payload={"moved": moved, "deadline_before": before.bid_deadline, "deadline_after": after.bid_deadline})
    for name in SCHEDULE_FIELDS:
        setattr(lot, name, getattr(after, name))
    return notice(session, actor, now, lot, text, deadline_before=before.bid_deadline,
                  deadline_after=after.bid_deadline)


def notice(session, actor, now: datetime, lot: Lot, text: str, *, deadline_before: datetime | None,
           deadline_after: datetime | None) -> Clarification:
    """Publish the next numbered notice on the lot beside its clarifications (a clarification, or a change of key
    holder), with the bid deadline before and after it."""
    number = (session.scalar(sa.select(sa.func.max(Clarification.number)).where(
        Clarification.lot_id == lot.id, Clarification.round == lot.round)) or 0) + 1
    row = Clarification(lot_id=lot.id, round=lot.round, number=number, text=text, issued_by_id=actor.id,
                        issued_at=now, deadline_before=deadline_before, deadline_after=deadline_after)
    session.add(row)
    session.flush()
    return row

