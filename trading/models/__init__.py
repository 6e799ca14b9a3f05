"""SQLAlchemy models, one module per aggregate. Importing this registers every table."""

from .accounts import ApiToken, Organisation, RecoveryCode, User, UserRole, can_administer, can_read_audit
from .auctions import (
    Auction,
    ContractPayment,
    LandInstalment,
    Offer,
    Paddle,
    PreDisclosure,
    Qualification,
    TransferContract,
)
from .audit import AuditEntry, AuditHead
from .bank import BankAccount, BankTransfer, Deposit, DepositPayment
from .bids import Bid, BidderCertificate, HolderChange, HolderKey, KeyShare, OpeningKey
from .clock import ClockSetting
from .credit import BlacklistEntry, Complaint, CreditEvent, IntegrityPledge, ProcurementQuestion, PublicReport
from .evaluation import (
    ArchiveBundle,
    Award,
    CommitteeMember,
    Contract,
    Evaluation,
    EvaluationMark,
    LowPriceCase,
    MarkReview,
    Negotiation,
    Publicity,
    ResultObjection,
)
from .experts import BeaconPulse, Draw, DrawCall, Expert, ExpertPenalty, ExpertRelative, ExpertSpecialty, ExpertTie
from .opening import OpeningEntry, OpeningObjection, ReleasedShare
from .outbox import OutboxMessage
from .projects import (
    Announcement,
    Attachment,
    Cancellation,
    Clarification,
    DealCodeCounter,
    DocumentDownload,
    EntryCertificate,
    Filing,
    Lot,
    LotSpecialty,
    MethodApproval,
    Objection,
    Project,
    Registration,
)
from .settings import RuleSetting
from .statistics import Deal, DealCell, DealSpan
from .supervision import CorrectionOrder, EarlyWarning, ScreenSignal

__all__ = [
    "LandInstalment",
    "Auction", "BlacklistEntry", "Complaint", "CorrectionOrder", "CreditEvent", "EarlyWarning", "IntegrityPledge",
    "Offer", "OutboxMessage", "Paddle", "PreDisclosure", "ContractPayment", "ProcurementQuestion", "PublicReport",
    "Qualification",
    "ScreenSignal", "TransferContract",
    "ApiToken", "BankAccount", "BankTransfer", "Bid", "BidderCertificate", "Deposit", "DepositPayment",
    "HolderChange", "HolderKey", "KeyShare", "OpeningKey", "BeaconPulse", "Draw", "DrawCall", "Expert",
    "ExpertPenalty", "ExpertRelative", "ExpertSpecialty", "ExpertTie", "RuleSetting", "OpeningEntry",
    "OpeningObjection", "ReleasedShare",
    "Announcement", "Attachment", "AuditEntry", "AuditHead", "Cancellation", "Clarification", "ClockSetting",
    "DealCodeCounter", "DocumentDownload", "EntryCertificate", "Filing", "Lot", "LotSpecialty", "MethodApproval",
    "Objection", "Organisation", "Project", "RecoveryCode", "Registration", "User", "UserRole",
    "ArchiveBundle", "Award", "CommitteeMember", "Contract", "Evaluation", "EvaluationMark", "LowPriceCase",
    "MarkReview", "Negotiation", "Publicity", "ResultObjection", "can_administer", "can_read_audit", "Deal",
    "DealCell", "DealSpan",
]
