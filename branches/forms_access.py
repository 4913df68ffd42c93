"""Forms of the access pages. Dropdowns are scoped: a unit list only holds units the user may act on."""
from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Div, Layout
from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import password_validators_help_text_html, validate_password
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .choices import Role
from .fields import UnitChoiceField
from .models import Appointment, Unit
from .permissions import APPOINTMENT_MANAGE
from .selectors import unit_choices


ACCOUNT_EXISTING = "existing"
ACCOUNT_NEW = "new"


class AppointmentCreateForm(forms.Form):
    """Appoint an existing user, or create the account and appoint it in one step."""

    unit = UnitChoiceField(label=_("Unit"), queryset=Unit.objects.none(),
                           help_text=_("The role covers this unit and every unit below it."))
    role = forms.ChoiceField(label=_("Role"), choices=[("", "---------"), *Role.choices])
    account = forms.ChoiceField(
        label=_("Who"), widget=forms.RadioSelect, initial=ACCOUNT_EXISTING,
        choices=[(ACCOUNT_EXISTING, _("An existing user")), (ACCOUNT_NEW, _("A new user account"))],
    )
    username = forms.CharField(
        label=_("Username"), required=False, max_length=150,
        widget=forms.TextInput(attrs={"list": "known-usernames", "autocomplete": "off"}),
        help_text=_("Type the exact username; suggestions come from people already appointed in your units."),
    )
    new_username = forms.CharField(label=_("Username"), required=False, max_length=150,
                                   widget=forms.TextInput(attrs={"autocomplete": "off"}))
    full_name = forms.CharField(label=_("Full name"), required=False, max_length=150)
    email = forms.EmailField(label=_("Email"), required=False,
                             help_text=_("Used for password reset and notification emails."))
    password1 = forms.CharField(label=_("Initial password"), required=False, strip=False,
                                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
                                help_text=password_validators_help_text_html())
    password2 = forms.CharField(label=_("Initial password (again)"), required=False, strip=False,
                                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.actor = user
        self.fields["unit"].queryset = unit_choices(user, APPOINTMENT_MANAGE)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            HTML('<h2 class="h6 text-muted text-uppercase">{}</h2>'.format(_("Appointment"))),
            "unit", "role",
            HTML('<h2 class="h6 text-muted text-uppercase mt-4">{}</h2>'.format(_("Person"))),
            "account",
            Div("username", css_id="account-existing", css_class="account-section border rounded p-3 mb-3"),
            Div(
                HTML('<p class="text-muted small">{}</p>'.format(
                    _("The person signs in with this username and password and should change the password "
                      "after the first sign-in."))),
                "new_username", "full_name", "email", "password1", "password2",
                css_id="account-new", css_class="account-section border rounded p-3 mb-3",
            ),
        )

    def clean(self):
        data = super().clean()
        User = get_user_model()
        account = data.get("account")
        if account == ACCOUNT_EXISTING:
            username = (data.get("username") or "").strip()
            if not username:
                self.add_error("username", _("Enter the username of the person to appoint."))
            else:
                user = User.objects.filter(username__iexact=username, is_active=True).first()
                if user is None:
                    self.add_error("username", _("There is no active user with this username."))
                else:
                    data["user"] = user
                    unit, role = data.get("unit"), data.get("role")
                    if unit and role and Appointment.objects.filter(
                            user=user, unit=unit, role=role, ended_at__isnull=True).exists():
                        self.add_error("role", _("%(user)s already holds this role in this unit.") % {"user": user})
        elif account == ACCOUNT_NEW:
            for name in ("new_username", "full_name", "password1", "password2"):
                if not data.get(name):
                    self.add_error(name, _("This field is required for a new account."))
            username = (data.get("new_username") or "").strip()
            if username:
                try:
                    User.username_validator(username)
                except ValidationError as exc:
                    self.add_error("new_username", exc)
                if User.objects.filter(username__iexact=username).exists():
                    self.add_error("new_username", _("A user with that username already exists."))
            p1, p2 = data.get("password1"), data.get("password2")
            if p1 and p2 and p1 != p2:
                self.add_error("password2", _("The two passwords do not match."))
            elif p1:
                probe = User(username=username, first_name=data.get("full_name") or "", email=data.get("email") or "")
                try:
                    validate_password(p1, user=probe)
                except ValidationError as exc:
                    self.add_error("password1", exc)
        return data

    def new_user_fields(self) -> dict | None:
        d = self.cleaned_data
        if d.get("account") != ACCOUNT_NEW:
            return None
        return {"username": d["new_username"].strip(), "full_name": d["full_name"], "email": d.get("email") or "",
                "password": d["password1"]}
