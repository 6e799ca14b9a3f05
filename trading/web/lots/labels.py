"""Names shown for audited actions and deadlines on the lot page and the public pages."""

from flask_babel import lazy_gettext as _l

ACTIONS = {
    "lot.create": _l("Lot registered"), "lot.update": _l("Lot changed"), "lot.attach": _l("Document filed"),
    "lot.file": _l("Trading conditions filed"), "lot.return_filing": _l("Filing returned"),
    "lot.certify": _l("Filing checked"), "lot.entry_certificate": _l("Entry certificate issued"),
    "lot.request_method": _l("Method requested"), "lot.approve_method": _l("Method approved"),
    "lot.reject_method": _l("Method rejected"),
    "lot.announce": _l("Announcement published"), "lot.clarify": _l("Clarification issued"),
    "lot.close_bidding": _l("Bid deadline passed: opening"), "lot.open_listing": _l("Listing opened"),
    "registration.sign_up": _l("Bidder signed up"), "objection.raise": _l("Objection raised"),
    "objection.answer": _l("Objection answered"), "lot.request_cancel": _l("Cancellation requested"),
    "cancellation.decide": _l("Cancellation decided"), "lot.cancel": _l("Lot cancelled"),
    "lot.retrade": _l("Next round started"), "lot.suspend": _l("Lot suspended"), "lot.resume": _l("Lot resumed"),
    "lot.fail": _l("Lot failed"),
    "lot.submit_bid": _l("Bid submitted"), "lot.withdraw_bid": _l("Bid withdrawn"),
    "lot.start_evaluation": _l("Evaluation started"), "lot.score": _l("Evaluation scored"),
    "lot.start_publicity": _l("Candidate publicity started"), "lot.place_offer": _l("Offer placed"),
    "lot.close_listing": _l("Listing closed"), "lot.start_auction": _l("Auction started"),
    "lot.close_auction": _l("Auction closed"), "lot.conclude_agreement": _l("Agreement concluded"),
    "lot.conclude_negotiation": _l("Negotiation recorded: result published"),
    "negotiation.record": _l("Negotiation with the single-source supplier recorded"),
    "lot.object": _l("Objection during publicity"), "lot.award": _l("Lot awarded"),
    "lot.register_contract": _l("Contract registered"), "lot.archive": _l("Lot archived"),
    "lot.key_ceremony": _l("Opening key generated and shares sealed to the key holders"),
    "bid.submit": _l("Bid submitted"), "bid.withdraw": _l("Bid withdrawn"),
    "deposit.payment": _l("Deposit paid"), "deposit.refund": _l("Deposit refunded"),
    "draw.commit": _l("Expert draw conditions frozen"), "draw.rank": _l("Expert draw ranked by the beacon"),
    "draw.reveal": _l("Expert draw secret disclosed"), "draw.complete": _l("Expert draw completed"),
    "opening.release_share": _l("Key share released"), "opening.record": _l("Opening record made"),
    "opening.objection": _l("Objection at the opening"), "opening.answer": _l("Opening objection answered"),
    "opening.tampering": _l("Tampered bid found at the opening"),
    "evaluation.chair": _l("Committee chair chosen"), "evaluation.conflict": _l("Expert declared a conflict"),
    "evaluation.rate": _l("Expert scored the bids"), "evaluation.confirm": _l("Expert confirmed the scores"),
    "evaluation.low_price": _l("Abnormally low price flagged"),
    "evaluation.flag_low_price": _l("Abnormally low price flagged"),
    "evaluation.explanation": _l("Price explanation given"), "evaluation.statement": _l("Expert statement"),
    "evaluation.report": _l("Evaluation report signed"), "publicity.objection": _l("Objection during publicity"),
    "archive.create": _l("Archive bundle made"), "holder_change.request": _l("Key holder change requested"),
    "holder_change.approve": _l("Key holder change approved"),
    "holder_change.reject": _l("Key holder change rejected"),
}

DEADLINES = {
    "issued_at": _l("Announcement issued"), "documents_until": _l("Documents available until"),
    "clarification_cutoff": _l("Last day for clarifications without moving the deadline"),
    "objection_cutoff": _l("Last day for objections to the documents"), "bid_deadline": _l("Bid deadline"),
    "opening_at": _l("Online opening"), "listing_start": _l("Listing starts"), "listing_end": _l("Listing ends"),
    "auction_start": _l("Auction starts"),
}

SHARE_ROLES = {"host": _l("Opening host"), "supervisor": _l("Supervisor"), "tenderee": _l("Tenderee representative")}
