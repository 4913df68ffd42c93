"""factory_boy factories. Units and people are built through the services, as in production."""
import datetime
import itertools

import factory
from django.contrib.auth import get_user_model

from branches.choices import System, UnitCategory, UnitKind
from branches.models import Unit
from members.choices import MemberStatus
from members.idcard import make_citizen_id

_unit_seq = itertools.count(1)
_id_seq = itertools.count(1)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.org")
    password = factory.django.Password("Branch-pass-2026")


def make_unit(parent: Unit | None = None, kind: str = UnitKind.BRANCH, name: str | None = None, **fields) -> Unit:
    """Create a unit through the service (no actor: system)."""
    from branches.services import unit_create

    n = next(_unit_seq)
    fields.setdefault("system", System.PARTY)
    fields.setdefault("category", UnitCategory.ORGAN)
    return unit_create(actor=None, parent=parent, kind=kind, code=fields.pop("code", f"U{n:05d}"),
                       name=name or f"测试单位{n}", **fields)


def next_citizen_id(birth: datetime.date, male: bool) -> str:
    n = next(_id_seq)
    return make_citizen_id("110105", birth, n, male)


def make_person(unit: Unit, name: str = "张三", status: str = MemberStatus.FULL, male: bool = True,
                birth: datetime.date = datetime.date(1985, 6, 15), **fields):
    from members.services import person_create

    if status in (MemberStatus.PROBATIONARY, MemberStatus.FULL):
        fields.setdefault("admission_date", datetime.date(2010, 7, 1))
    if status == MemberStatus.FULL:
        fields.setdefault("full_member_date", datetime.date(2011, 7, 1))
    return person_create(actor=None, name=name, gender="M" if male else "F", birth_date=birth,
                         citizen_id=fields.pop("citizen_id", None) or next_citizen_id(birth, male),
                         unit=unit, status=status, **fields)
