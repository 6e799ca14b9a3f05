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
}

DEADLINES = {
    "issued_at": _l("Announcement issued"), "documents_until": _l("Documents available until"),
    "clarification_cutoff": _l("Last day for clarifications without moving the deadline"),
    "objection_cutoff": _l("Last day for objections to the documents"), "bid_deadline": _l("Bid deadline"),
    "opening_at": _l("Online opening"), "listing_start": _l("Listing starts"), "listing_end": _l("Listing ends"),
    "auction_start": _l("Auction starts"),
}

SHARE_ROLES = {"host": _l("Opening host"), "supervisor": _l("Supervisor"), "tenderee": _l("Tenderee representative")}
