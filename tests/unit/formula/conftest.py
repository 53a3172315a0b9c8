"""Shared values for the formula tests: a fixed clock in China Standard Time."""

from __future__ import annotations

import datetime as dt

TZ = dt.timezone(dt.timedelta(hours=8))
#: a Monday morning
NOW = dt.datetime(2024, 5, 20, 10, 30, tzinfo=TZ)
