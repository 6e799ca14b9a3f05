"""Use cases: one function each, ``(session, actor, now, ...) -> result``.

Services flush and never commit (the view or CLI command commits once), append an audit entry
for every change of state, and refuse with ``DomainError`` naming the field and the rule.
"""
