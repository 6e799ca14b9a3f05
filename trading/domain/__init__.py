"""Plain-Python rules of the trading centre: no Flask, no SQLAlchemy.

Functions here take ``now`` (an aware UTC datetime) and any randomness as arguments,
so they are tested in milliseconds without an application.
"""
