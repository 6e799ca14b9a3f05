"""The integrity pledge (诚信承诺书) a bidder signs at each sign-up (rule ``credit.integrity_pledge``).

The centre's text is Chinese; the English interface shows its translation. Either names the lot (project, lot,
deal code), the tenderee and the bidder's organisation (name and credit code), and commits the bidder to true
materials (招标投标法 第三十三条), no collusion (招标投标法 第三十二条; 招标投标法实施条例 第三十九条、第四十条),
no false or malicious objections and complaints (条例 第六十一条), signing the contract when it wins (条例 第七十四条),
and to accepting the consequences, the credit record and the blacklist included (条例 第六十七条、第六十八条).

What the bidder accepts is the exact text it was shown: the sign-up carries the SHA-256 of that text
(``digest``), and the platform keeps the text, its digest, who signed and when. A text that changed between showing
and accepting (the lot renamed, the organisation's name changed) no longer matches and is refused, so what is kept
is always what was read. No date is in the text: the time of signing is recorded beside it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from .errors import N_, DomainError

RULE = "credit.integrity_pledge"
LANGUAGES = ("zh", "en")

# How each trade type names the bidder, the act of bidding and the tenderee, in each language.
WORDS = {
    "construction": {"zh": ("投标人", "投标", "招标人"), "en": ("bidder", "bid", "tenderee")},
    "procurement": {"zh": ("供应商", "投标（响应）", "采购人"), "en": ("supplier", "bid", "purchaser")},
    "land": {"zh": ("竞买人", "竞买", "出让人"), "en": ("applicant", "bid", "transferor")},
    "property": {"zh": ("意向受让方", "受让", "转让方"), "en": ("intending buyer", "bid", "transferor")},
}

ZH = """诚信承诺书

致：{centre}、{tenderee}（{tenderee_word}）

我单位{organisation}（统一社会信用代码：{credit_code}）自愿报名参加“{project}”{lot}（交易编码：{deal_code}）的交易活动，\
作为{bidder_word}郑重承诺：

一、我单位提交的营业执照、资质、业绩、人员、财务等全部材料真实、合法、有效，不以他人名义{act}，不弄虚作假骗取中标（成交），\
不转让、出借资质证书（《中华人民共和国招标投标法》第三十三条）。

二、我单位不与其他{bidder_word}相互串通报价，不与{tenderee_word}、招标代理机构串通，不以行贿等不正当手段谋取中标（成交）\
（《中华人民共和国招标投标法》第三十二条，《中华人民共和国招标投标法实施条例》第三十九条、第四十一条）；不存在\
《中华人民共和国招标投标法实施条例》第四十条所列视为串通投标的情形：不同{bidder_word}的文件由同一单位或者个人编制，\
委托同一单位或者个人办理{act}事宜，载明的项目管理成员为同一人，文件异常一致或者报价呈规律性差异，文件相互混装，\
保证金从同一单位或者个人的账户转出。

三、我单位不捏造事实、伪造证明材料提出异议或者投诉，不以不正当手段干扰交易活动（《中华人民共和国招标投标法实施条例》第六十一条）。

四、我单位中标（成交）后，按照交易文件和我单位的{act}文件订立并履行合同，不无正当理由放弃中标（成交）资格或者拒绝签订合同\
（《中华人民共和国招标投标法实施条例》第七十四条）。

五、如违反上述承诺，我单位自愿接受{act}无效、取消中标（成交）资格、保证金不予退还等处理，依法承担法律责任，并同意将失信行为\
记入信用记录，依规列入失信名单，在规定期限内不得在本平台报名和{act}（《中华人民共和国招标投标法实施条例》第六十七条、第六十八条）。

本承诺书由我单位在{centre}电子交易平台报名时签署；平台记录签署人、签署时间和本承诺书全文的SHA-256摘要，作为交易档案的一部分。
"""

EN = """Integrity pledge

To: {centre}; {tenderee} (the {tenderee_word})

We, {organisation} (unified social credit code {credit_code}), sign up of our own will for the trade of \
"{project}", {lot} (deal code {deal_code}), and as a {bidder_word} solemnly pledge:

1. Every material we submit (business licence, qualifications, past projects, staff, finances) is true, lawful and \
valid; we do not {act} in another's name, do not win by fraud, and do not lend or transfer our qualification \
certificates (Bidding Law, Art. 33).

2. We do not collude with other bidders on prices, nor with the {tenderee_word} or its agency, nor seek the award by \
bribery or other improper means (Bidding Law, Art. 32; Implementing Regulations, Arts. 39 and 41); none of the \
cases that Art. 40 of the Implementing Regulations deems collusion applies to us: bid files of different bidders \
prepared by one organisation or person, one organisation or person handling several bidders' bids, the same \
project manager named, files abnormally alike or prices in a regular pattern, files mixed up, or deposits paid \
from one organisation's or person's account.

3. We do not raise objections or complaints on fabricated facts or forged evidence, nor disturb the trade by \
improper means (Implementing Regulations, Art. 61).

4. If we win, we sign and perform the contract as the trading documents and our bid state, and do not give up the \
award or refuse the contract without a proper reason (Implementing Regulations, Art. 74).

5. Should we break this pledge, we accept that our bid is void, the award is cancelled and the deposit is not \
refunded, bear the legal liability, and agree that the breach is entered in our credit record and that we may be \
put on the blacklist and barred from signing up and bidding on this platform for its period (Implementing \
Regulations, Arts. 67 and 68).

We sign this pledge when signing up on the {centre}'s electronic trading platform; the platform records who \
signed, when, and the SHA-256 digest of this full text, as part of the trade's archive.

(English translation of the centre's Chinese text.)
"""

TEMPLATES = {"zh": ZH, "en": EN}


@dataclass(frozen=True)
class Facts:
    """What the pledge names: the centre, the lot and the organisation that signs."""

    centre: str
    tenderee: str
    project: str
    lot: str
    deal_code: str
    trade_type: str
    organisation: str
    credit_code: str


def text(language: str, facts: Facts) -> str:
    """The pledge in ``language`` (``zh`` the centre's text, ``en`` its translation) for these facts."""
    if language not in TEMPLATES:
        raise DomainError(N_("Choose the language the integrity pledge was shown in."), field="pledge", rule=RULE)
    bidder_word, act, tenderee_word = WORDS.get(facts.trade_type, WORDS["construction"])[language]
    values = {name: " ".join(str(getattr(facts, name) or "—").split()) for name in Facts.__dataclass_fields__}
    return TEMPLATES[language].format(**values, bidder_word=bidder_word, act=act, tenderee_word=tenderee_word)


def digest(pledge_text: str) -> str:
    """The SHA-256 (hex) of the exact text, encoded as UTF-8: what the bidder accepts and the platform keeps."""
    return hashlib.sha256(pledge_text.encode("utf-8")).hexdigest()


def check_accepted(accepted: str | None, language: str, shown: str) -> str:
    """Refuse a sign-up without the pledge, or with the digest of another text than ``shown``; returns the digest."""
    value = (accepted or "").strip().lower()
    if not value:
        raise DomainError(N_("Read the integrity pledge and accept it to sign up."), field="pledge", rule=RULE)
    if language not in LANGUAGES:
        raise DomainError(N_("Choose the language the integrity pledge was shown in."), field="pledge", rule=RULE)
    expected = digest(shown)
    if value != expected:
        raise DomainError(N_("The integrity pledge you accepted is not the text in force for this lot and your "
                             "company: read it again and accept it."), field="pledge", rule=RULE)
    return expected
