"""Calls let go at one instant, each in its own thread and database session: the race tests' one way to start a race
(two clock steps, two staff members, two payments, every key holder at once)."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from trading.domain.errors import DomainError
from trading.extensions import db


@dataclass
class Outcome:
    """What one call came to: its value (committed), the refusal it raised (rolled back) or an unexpected error (a
    500 in the web; rolled back)."""

    value: object = None
    refused: DomainError | None = None
    error: Exception | None = None

    def __str__(self) -> str:
        if self.error is not None:
            return f"error: {self.error!r}"
        if self.refused is not None:
            return f"refused: {self.refused.message} [{self.refused.rule}]"
        return repr(self.value)


def at_once(app, calls, timeout: float = 120) -> list[Outcome]:
    """Run each ``call(session)`` in its own thread and session, all let go together by a barrier, each committed or
    rolled back; their outcomes in the order they ended. Fails if a thread hangs."""
    gate = threading.Barrier(len(calls))
    outcomes: list[Outcome] = []

    def run(call) -> None:
        with app.app_context():
            session = db.session
            try:
                gate.wait()
                outcomes.append(Outcome(value=call(session)))
                session.commit()
            except DomainError as refused:
                session.rollback()
                outcomes.append(Outcome(refused=refused))
            except Exception as error:  # a 500 in the web
                session.rollback()
                outcomes.append(Outcome(error=error))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    assert len(outcomes) == len(calls), "a thread hung"
    return outcomes
