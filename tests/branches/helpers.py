"""Helpers for the org-tree tests.

- ``add_person``: a distinct birth date per person keeps generated citizen IDs unique
  (``make_citizen_id`` folds the sequence to odd/even numbers, so equal birth dates can collide).
- (English for assertions comes from the autouse ``english`` fixture in tests/conftest.py.)
"""
import datetime
import itertools


from tests.factories import make_person

_day = itertools.count(1)


def add_person(unit, name="张三", **fields):
    fields.setdefault("birth", datetime.date(1970, 1, 1) + datetime.timedelta(days=next(_day)))
    return make_person(unit, name=name, **fields)

