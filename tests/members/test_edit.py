"""Create and edit a person: permissions, scoped dropdowns, validation shown on the right fields, services."""
import datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError
from django.urls import reverse

from branches.choices import AuditAction
from branches.models import AuditEntry
from members import views
from members.choices import MemberStatus
from members.idcard import check_char
from members.models import Person

from .helpers import unique_citizen_id

pytestmark = pytest.mark.django_db
CREATE = reverse("members:person_create")
BIRTH = datetime.date(1992, 4, 18)


def _edit(p):
    return reverse("members:person_edit", args=[p.pk])


def _data(unit_, **extra):
    data = {
        "name": "陈静", "gender": "F", "ethnicity": "汉族", "birth_date": "1992-04-18",
        "citizen_id": unique_citizen_id(BIRTH, False), "category": "employee", "unit": unit_.pk,
        "status": MemberStatus.FULL, "application_date": "2012-03-01", "admission_date": "2014-07-01",
        "full_member_date": "2015-07-01", "phone": "138 0000 1234",
    }
    data.update(extra)
    return {k: v for k, v in data.items() if v is not None}


def _errors(response):
    return response.context["form"].errors


# -- permissions ---------------------------------------------------------------------------------------------

def test_anonymous_is_sent_to_login(client, member_a):
    for url in (CREATE, _edit(member_a)):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("login"))
    client.post(CREATE, _data(member_a.unit))
    assert Person.objects.count() == 1


def test_viewer_is_forbidden(as_user, viewer, member_a, branch_a):
    client = as_user(viewer)
    assert client.get(CREATE).status_code == 403
    assert client.post(CREATE, _data(branch_a)).status_code == 403
    assert client.get(_edit(member_a)).status_code == 403
    assert client.post(_edit(member_a), _data(branch_a, name="改名")).status_code == 403
    assert Person.objects.count() == 1
    member_a.refresh_from_db()
    assert member_a.name == "李明"


def test_outsider_gets_404_on_edit_and_cannot_create_in_foreign_unit(as_user, outsider, member_a, branch_a):
    client = as_user(outsider)
    assert client.get(_edit(member_a)).status_code == 404
    assert client.post(_edit(member_a), _data(branch_a)).status_code == 404
    response = client.get(CREATE)
    assert response.status_code == 200       # they add people in their own tree
    assert branch_a not in response.context["form"].fields["unit"].queryset
    response = client.post(CREATE, _data(branch_a))
    assert response.status_code == 200 and "unit" in _errors(response)
    assert Person.objects.count() == 1


def test_secretary_creates_through_the_service(as_user, secretary, branch_a):
    response = as_user(secretary).post(CREATE, _data(branch_a))
    p = Person.objects.get(name="陈静")
    assert response.status_code == 302 and response.url == p.get_absolute_url()
    assert p.unit == branch_a and p.phone == "138 0000 1234"
    entry = AuditEntry.objects.get(object_id=str(p.pk), content_type__model="person")
    assert entry.action == AuditAction.CREATE and entry.actor == secretary
    follow = as_user(secretary).get(response.url)
    assert "陈静" in follow.content.decode()


def test_secretary_edits_through_the_service(as_user, secretary, member_a, group_a):
    client = as_user(secretary)
    response = client.get(_edit(member_a))
    assert response.status_code == 200
    assert response.context["form"].initial["citizen_id"] == member_a.citizen_id
    data = _data(member_a.unit, name="李明", gender="M", birth_date=member_a.birth_date.isoformat(),
                 citizen_id=member_a.citizen_id, party_group=group_a.pk, phone="13600000000",
                 admission_date="2010-07-01", full_member_date="2011-07-01", application_date=None)
    response = client.post(_edit(member_a), data)
    assert response.status_code == 302, _errors(response)
    member_a.refresh_from_db()
    assert member_a.party_group == group_a and member_a.phone == "13600000000"
    entry = AuditEntry.objects.filter(object_id=str(member_a.pk), content_type__model="person").first()
    assert entry.action == AuditAction.UPDATE and entry.actor == secretary
    assert entry.after["party_group"] == group_a.pk


# -- scoped dropdowns ----------------------------------------------------------------------------------------

def test_dropdowns_are_scoped(as_user, secretary, committee, branch_a, group_a, branch_b):
    form = as_user(secretary).get(CREATE).context["form"]
    assert list(form.fields["unit"].queryset) == [branch_a]
    assert list(form.fields["party_group"].queryset) == [group_a]
    labels = [label for _v, label in form.fields["party_group"].choices]
    assert f"{branch_a.name} · {group_a.name}" in labels


def test_edit_cannot_move_a_person_out_of_scope(as_user, secretary, member_a, branch_b):
    data = _data(branch_b, name="李明", gender="M", birth_date=member_a.birth_date.isoformat(),
                 citizen_id=member_a.citizen_id, admission_date="2010-07-01", full_member_date="2011-07-01",
                 application_date=None)
    response = as_user(secretary).post(_edit(member_a), data)
    assert response.status_code == 200 and "unit" in _errors(response)
    member_a.refresh_from_db()
    assert member_a.unit.pk != branch_b.pk


def test_admin_may_move_a_person_within_the_committee(as_user, admin_user, member_a, branch_b):
    data = _data(branch_b, name="李明", gender="M", birth_date=member_a.birth_date.isoformat(),
                 citizen_id=member_a.citizen_id, admission_date="2010-07-01", full_member_date="2011-07-01",
                 application_date=None)
    response = as_user(admin_user).post(_edit(member_a), data)
    assert response.status_code == 302
    member_a.refresh_from_db()
    assert member_a.unit == branch_b


def test_unit_preselect_from_query(as_user, secretary, branch_a, group_a, branch_b):
    client = as_user(secretary)
    assert client.get(CREATE, {"unit": branch_a.pk}).context["form"].initial["unit"] == branch_a.pk
    initial = client.get(CREATE, {"unit": group_a.pk}).context["form"].initial
    assert initial["unit"] == branch_a.pk and initial["party_group"] == group_a.pk
    # Out of scope is ignored (the secretary's only unit is chosen instead), garbage too.
    assert client.get(CREATE, {"unit": branch_b.pk}).context["form"].initial["unit"] == branch_a.pk
    assert client.get(CREATE, {"unit": "x"}).status_code == 200


def test_no_preselect_when_several_units(as_user, admin_user, branch_a, branch_b):
    assert "unit" not in as_user(admin_user).get(CREATE).context["form"].initial
    assert "unit" not in as_user(admin_user).get(CREATE, {"unit": "999999"}).context["form"].initial


# -- validation ----------------------------------------------------------------------------------------------

def test_bad_check_digit_is_an_id_error(as_user, secretary, branch_a):
    good = unique_citizen_id(BIRTH, False)
    bad = good[:-1] + ("1" if good[-1] != "1" else "2")
    response = as_user(secretary).post(CREATE, _data(branch_a, citizen_id=bad))
    assert response.status_code == 200
    assert list(_errors(response)) == ["citizen_id"]
    assert 'data-testid="form-errors"' in response.content.decode()
    assert not Person.objects.exists()


def test_short_id_is_an_id_error(as_user, secretary, branch_a):
    response = as_user(secretary).post(CREATE, _data(branch_a, citizen_id="11010519920418"))
    assert list(_errors(response)) == ["citizen_id"]


def test_birth_date_and_gender_mismatch_go_to_their_fields(as_user, secretary, branch_a):
    response = as_user(secretary).post(CREATE, _data(branch_a, birth_date="1992-04-19", gender="M"))
    errors = _errors(response)
    assert set(errors) == {"birth_date", "gender"}
    assert "1992-04-18" in errors["birth_date"][0]
    assert not Person.objects.exists()


def test_blank_birth_date_and_gender_are_taken_from_the_id(as_user, secretary, branch_a):
    response = as_user(secretary).post(CREATE, _data(branch_a, birth_date="", gender=""))
    assert response.status_code == 302
    p = Person.objects.get()
    assert p.birth_date == BIRTH and p.gender == "F"


def test_duplicate_id_names_the_holder(as_user, secretary, member_a, branch_a):
    response = as_user(secretary).post(CREATE, _data(branch_a, citizen_id=member_a.citizen_id, gender="M",
                                                     birth_date=member_a.birth_date.isoformat()))
    assert "李明" in str(_errors(response)["citizen_id"])
    assert Person.objects.count() == 1


def test_model_rules_appear_on_the_form(as_user, secretary, branch_a):
    response = as_user(secretary).post(CREATE, _data(branch_a, full_member_date="", activist_date="2011-01-01",
                                                     application_date="2012-03-01"))
    errors = _errors(response)
    assert "full_member_date" in errors and "activist_date" in errors
    assert not Person.objects.exists()


def test_party_group_outside_unit_is_refused(as_user, admin_user, branch_b, group_a):
    response = as_user(admin_user).post(CREATE, _data(branch_b, party_group=group_a.pk))
    assert "party_group" in _errors(response)


@pytest.mark.parametrize("field,value", [
    ("birth_date", "not a date"), ("admission_date", "2014-13-45"), ("unit", "abc"), ("status", "boss"),
    ("email", "nope"), ("phone", "call me"), ("name", ""), ("full_member_date", "2999-01-01"),
])
def test_bad_input_is_redisplayed_never_500(as_user, secretary, branch_a, field, value):
    response = as_user(secretary).post(CREATE, _data(branch_a, **{field: value}))
    assert response.status_code == 200
    assert field in _errors(response)
    assert not Person.objects.exists()


def test_service_errors_are_shown_on_the_form(as_user, secretary, branch_a, monkeypatch):
    def refuse(**kwargs):
        raise ValidationError({"name": "服务拒绝", "left_date": "x", "nonexistent": "整体错误"})

    monkeypatch.setattr(views, "person_create", refuse)
    response = as_user(secretary).post(CREATE, _data(branch_a))
    assert response.status_code == 200
    errors = _errors(response)
    assert errors["name"] == ["服务拒绝"] and errors["left_date"] == ["x"]
    assert "整体错误" in errors["__all__"]


def test_integrity_error_is_shown_not_500(as_user, secretary, branch_a, monkeypatch):
    def race(**kwargs):
        raise IntegrityError("UNIQUE constraint failed: members_person.citizen_id")

    monkeypatch.setattr(views, "person_create", race)
    response = as_user(secretary).post(CREATE, _data(branch_a))
    assert response.status_code == 200 and "citizen_id" in _errors(response)


def test_rejected_edit_keeps_the_page_frame(as_user, secretary, member_a):
    response = as_user(secretary).post(_edit(member_a), {"name": "错误", "citizen_id": "1"})
    assert response.status_code == 200
    assert response.context["title"].endswith("李明")
    member_a.refresh_from_db()
    assert member_a.name == "李明"


def test_photo_upload_and_clear(as_user, secretary, branch_a):
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (30, 40), "red").save(buf, "PNG")
    client = as_user(secretary)
    photo = SimpleUploadedFile("me.png", buf.getvalue(), content_type="image/png")
    response = client.post(CREATE, {**_data(branch_a), "photo": photo})
    assert response.status_code == 302
    p = Person.objects.get()
    assert p.photo and p.photo.name.startswith("photos/")
    assert p.photo.url in client.get(p.get_absolute_url()).content.decode()
    # Editing without touching the photo keeps it; ticking "clear" removes it.
    data = _data(branch_a, citizen_id=p.citizen_id, name="陈静")
    assert client.post(_edit(p), data).status_code == 302
    p.refresh_from_db()
    assert p.photo
    assert client.post(_edit(p), {**data, "photo-clear": "on"}).status_code == 302
    p.refresh_from_db()
    assert not p.photo


def test_not_an_image_is_refused(as_user, secretary, branch_a):
    fake = SimpleUploadedFile("me.png", b"not an image", content_type="image/png")
    response = as_user(secretary).post(CREATE, {**_data(branch_a), "photo": fake})
    assert response.status_code == 200 and "photo" in _errors(response)


def test_typed_x_is_normalized(as_user, secretary, branch_a):
    for seq in range(0, 900, 2):
        from members.idcard import make_citizen_id

        value = make_citizen_id("110105", BIRTH, seq, False)
        if value.endswith("X"):
            break
    response = as_user(secretary).post(CREATE, _data(branch_a, citizen_id=value.lower()))
    assert response.status_code == 302, _errors(response)
    assert Person.objects.get().citizen_id == value
    assert check_char(value[:17]) == "X"


def test_form_widgets(as_user, secretary, branch_a):
    html = as_user(secretary).get(CREATE).content.decode()
    assert 'data-citizen-id="1"' in html
    assert 'type="date"' in html and 'name="admission_date"' in html
    assert 'enctype="multipart/form-data"' in html


def test_id_typed_with_spaces_is_accepted(as_user, secretary, branch_a):
    value = unique_citizen_id(BIRTH, False)
    spaced = f"{value[:6]} {value[6:14]} {value[14:]}"
    response = as_user(secretary).post(CREATE, _data(branch_a, citizen_id=spaced))
    assert response.status_code == 302, _errors(response)
    assert Person.objects.get().citizen_id == value
