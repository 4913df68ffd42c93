"""Excel import of the roll (花名册导入).

Step 1 reads the uploaded workbook and validates every row (a Django form per row, the citizen ID
check, ``Person.full_clean``, units limited to the user's MEMBER_IMPORT scope, duplicate IDs inside the
file); nothing is written. Step 2 (``members.services.person_import_rows``) creates the valid rows in
one transaction. Between the steps the upload is kept under ``imports/<uuid>.xlsx`` in the default
storage (MEDIA_ROOT).

Column headers and option labels are data, in Chinese, as printed on the paper forms.
"""
from __future__ import annotations

import datetime
import logging
import re
import uuid
from dataclasses import dataclass, field

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.utils import timezone
from django.utils.translation import gettext as _

from branches.permissions import MEMBER_IMPORT

from .choices import Education, Gender, MemberStatus, PersonCategory
from .forms import DATE_INPUT_FORMATS, add_citizen_id_errors, phone_validator
from .idcard import make_citizen_id, normalize
from .models import Person
from .selectors import party_group_choices, person_unit_choices

logger = logging.getLogger(__name__)

UPLOAD_DIR = "imports"
MAX_ROWS = 2000                  # validation runs in the request: ~5 ms a row
HEADER_SEARCH_ROWS = 5          # a title row or two above the header is tolerated
STALE_UPLOAD_AGE = datetime.timedelta(days=1)

# Option labels (the Chinese terms on the forms) -> stored values. Aliases seen in real rolls follow.
GENDER_LABELS = {"男": Gender.MALE, "女": Gender.FEMALE}
EDUCATION_LABELS = {
    "博士研究生": Education.DOCTORATE, "硕士研究生": Education.MASTER, "大学本科": Education.BACHELOR,
    "大学专科": Education.COLLEGE, "中专": Education.VOCATIONAL, "高中": Education.HIGH_SCHOOL,
    "初中": Education.MIDDLE_SCHOOL, "小学及以下": Education.PRIMARY,
}
EDUCATION_ALIASES = {
    "博士": Education.DOCTORATE, "研究生": Education.MASTER, "硕士": Education.MASTER, "本科": Education.BACHELOR,
    "大专": Education.COLLEGE, "专科": Education.COLLEGE, "中等专科": Education.VOCATIONAL,
    "中职": Education.VOCATIONAL, "中技": Education.VOCATIONAL, "职高": Education.VOCATIONAL,
    "小学": Education.PRIMARY,
}
CATEGORY_LABELS = {
    "在职": PersonCategory.EMPLOYEE, "离退休": PersonCategory.RETIREE, "学生": PersonCategory.STUDENT,
    "农民": PersonCategory.FARMER, "下岗失业": PersonCategory.UNEMPLOYED, "其他": PersonCategory.OTHER,
}
CATEGORY_ALIASES = {
    "在职职工": PersonCategory.EMPLOYEE, "在岗": PersonCategory.EMPLOYEE, "离休": PersonCategory.RETIREE,
    "退休": PersonCategory.RETIREE, "失业": PersonCategory.UNEMPLOYED, "下岗": PersonCategory.UNEMPLOYED,
}
STATUS_LABELS = {
    "入党申请人": MemberStatus.APPLICANT, "入党积极分子": MemberStatus.ACTIVIST, "发展对象": MemberStatus.CANDIDATE,
    "预备党员": MemberStatus.PROBATIONARY, "正式党员": MemberStatus.FULL, "转出": MemberStatus.TRANSFERRED_OUT,
    "死亡": MemberStatus.DECEASED, "退党": MemberStatus.WITHDREW, "除名": MemberStatus.REMOVED,
    "开除党籍": MemberStatus.EXPELLED, "取消预备党员资格": MemberStatus.PROBATION_CANCELLED,
}
STATUS_ALIASES = {"积极分子": MemberStatus.ACTIVIST, "申请人": MemberStatus.APPLICANT, "党员": MemberStatus.FULL}


@dataclass(frozen=True)
class ImportColumn:
    header: str
    field: str
    required: bool = False
    width: int = 14
    example: object = ""
    options: dict | None = None      # label -> value for choice columns (the first labels are shown)
    aliases: tuple[str, ...] = ()    # other headers accepted for this column
    note: str = ""                   # instructions sheet


EXAMPLE_BIRTH = datetime.date(1990, 1, 1)
# The example row's ID: a valid number, refused on import so that a forgotten example row is caught.
TEMPLATE_EXAMPLE_ID = make_citizen_id("110105", EXAMPLE_BIRTH, 999, True)

COLUMNS: list[ImportColumn] = [
    ImportColumn("姓名", "name", required=True, width=10, example="张三"),
    ImportColumn("性别", "gender", width=6, example="男", options=GENDER_LABELS, note="留空时按身份号码填写"),
    ImportColumn("民族", "ethnicity", width=8, example="汉族", note="留空为汉族"),
    ImportColumn("出生日期", "birth_date", width=12, example=EXAMPLE_BIRTH, aliases=("出生年月日",),
                 note="格式 yyyy-mm-dd；留空时按身份号码填写"),
    ImportColumn("公民身份号码", "citizen_id", required=True, width=21, example=TEMPLATE_EXAMPLE_ID,
                 aliases=("身份证号", "身份证号码", "公民身份证号码"), note="18位，请设置为文本格式"),
    ImportColumn("籍贯", "native_place", width=10, example="北京市"),
    ImportColumn("学历", "education", width=10, example="大学本科", options=EDUCATION_LABELS),
    ImportColumn("学位", "degree", width=8, example="学士"),
    ImportColumn("联系电话", "phone", width=14, example="13800000000", aliases=("手机号码", "电话", "手机")),
    ImportColumn("电子邮箱", "email", width=20, example="", aliases=("邮箱",)),
    ImportColumn("家庭住址", "address", width=24, example="", aliases=("住址",)),
    ImportColumn("工作单位", "work_unit", width=18, example=""),
    ImportColumn("职务", "post", width=10, example=""),
    ImportColumn("人员类别", "category", width=10, example="在职", options=CATEGORY_LABELS, note="留空为在职"),
    ImportColumn("所在组织编码", "unit", required=True, width=14, example="",
                 note="党委、党总支或党支部的编码（见组织页面）"),
    ImportColumn("党小组编码", "party_group", width=14, example="", note="可留空；须属于所在组织"),
    ImportColumn("党员状态", "status", required=True, width=12, example="正式党员", options=STATUS_LABELS),
    ImportColumn("申请入党日期", "application_date", width=12, example=datetime.date(2010, 3, 1)),
    ImportColumn("确定积极分子日期", "activist_date", width=12, example=datetime.date(2010, 9, 1)),
    ImportColumn("确定发展对象日期", "candidate_date", width=12, example=datetime.date(2011, 9, 1)),
    ImportColumn("入党日期", "admission_date", width=12, example=datetime.date(2012, 7, 1),
                 note="预备党员、正式党员必填"),
    ImportColumn("转正日期", "full_member_date", width=12, example=datetime.date(2013, 7, 1), note="正式党员必填"),
    ImportColumn("参加工作日期", "work_start_date", width=12, example=datetime.date(2012, 7, 1)),
    ImportColumn("备注", "notes", width=20, example="示例行，导入前请删除"),
]
COLUMN_BY_FIELD = {c.field: c for c in COLUMNS}
DATE_FIELDS = {"birth_date", "application_date", "activist_date", "candidate_date", "admission_date",
               "full_member_date", "work_start_date"}
_HEADER_NOISE = re.compile(r"[\s*＊:：]|[(（]\s*(必填|选填)\s*[)）]")


def normalize_header(value) -> str:
    return _HEADER_NOISE.sub("", str(value or ""))


HEADER_LOOKUP = {normalize_header(alias): c for c in COLUMNS for alias in (c.header, *c.aliases)}


# ---------------------------------------------------------------------------------------------------------
# The row form
# ---------------------------------------------------------------------------------------------------------

class LabelChoiceField(forms.Field):
    """A choice typed as its Chinese label (or an accepted alias, or the stored value)."""

    def __init__(self, *, options: dict, aliases: dict | None = None, default="", **kwargs):
        self.options, self.default = options, default
        self.lookup = {**{str(v): v for v in options.values()}, **(aliases or {}), **options}
        super().__init__(**kwargs)

    def to_python(self, value):
        text = normalize_header(value)
        if not text:
            return self.default
        if text in self.lookup:
            return self.lookup[text]
        raise ValidationError(_("“%(value)s” is not one of: %(options)s.")
                              % {"value": value, "options": "、".join(self.options)}, code="invalid_choice")


class CodeField(forms.CharField):
    """A unit code resolved against a preloaded map (no query per row)."""

    def __init__(self, *, units: dict, not_found: str, **kwargs):
        self.units, self.not_found = units, not_found
        super().__init__(**kwargs)

    def clean(self, value):
        code = super().clean(value)
        if not code:
            return None
        unit = self.units.get(code)
        if unit is None:
            raise ValidationError(self.not_found % {"code": code}, code="unknown_unit")
        return unit


class PersonImportRowForm(forms.ModelForm):
    """One spreadsheet row. Runs the same checks as the person form, then ``Person.full_clean``."""

    gender = LabelChoiceField(options=GENDER_LABELS, required=False)
    education = LabelChoiceField(options=EDUCATION_LABELS, aliases=EDUCATION_ALIASES, required=False)
    category = LabelChoiceField(options=CATEGORY_LABELS, aliases=CATEGORY_ALIASES, required=False,
                                default=PersonCategory.EMPLOYEE)
    status = LabelChoiceField(options=STATUS_LABELS, aliases=STATUS_ALIASES)
    ethnicity = forms.CharField(required=False, max_length=20)
    citizen_id = forms.CharField()      # normalized and checked in clean_citizen_id / clean

    class Meta:
        model = Person
        fields = [c.field for c in COLUMNS]

    def __init__(self, data, *, user, units: dict, groups: dict):
        super().__init__(data)
        self.user = user
        self.fields["unit"] = CodeField(
            units=units, not_found=_("No unit with code %(code)s among the units you may import into."))
        self.fields["party_group"] = CodeField(
            units=groups, required=False,
            not_found=_("No party group with code %(code)s among the units you may import into."))
        for name in DATE_FIELDS:
            self.fields[name] = forms.DateField(required=False, input_formats=DATE_INPUT_FORMATS)
        self.fields["phone"].validators.append(phone_validator)

    def clean_name(self):
        return (self.cleaned_data.get("name") or "").strip()

    def clean_ethnicity(self):
        return (self.cleaned_data.get("ethnicity") or "").strip() or "汉族"

    def clean_citizen_id(self):
        value = normalize(self.cleaned_data.get("citizen_id"))
        if value == TEMPLATE_EXAMPLE_ID:
            raise ValidationError(_("This is the example row of the template; delete it."), code="example")
        return value

    def clean(self):
        cleaned = super().clean()
        add_citizen_id_errors(self, user=self.user)
        return cleaned

    def validate_unique(self):
        """Duplicate IDs are already checked by person_check_citizen_id (one query per row, not two)."""

    def _get_validation_exclusions(self):
        # The unit and party group come from the preloaded, scoped maps: no existence query per row.
        # Person.clean still checks them (kind, group inside unit).
        return super()._get_validation_exclusions() | {"unit", "party_group"}

    def person_fields(self) -> dict:
        return {c.field: self.cleaned_data.get(c.field) for c in COLUMNS}


# ---------------------------------------------------------------------------------------------------------
# Reading and validating a workbook
# ---------------------------------------------------------------------------------------------------------

@dataclass
class RowError:
    row: int          # the row number as Excel shows it
    column: str       # the column header, or "" for the row as a whole
    message: str


@dataclass
class ParsedRow:
    number: int
    fields: dict = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)

    @property
    def is_valid(self) -> bool:
        return not self.errors

    @property
    def person(self) -> Person:
        """An unsaved Person of the row's values (for the preview's display labels)."""
        return Person(**self.fields)


@dataclass
class ImportReport:
    rows: list[ParsedRow] = field(default_factory=list)
    file_errors: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)

    @property
    def valid_rows(self) -> list[ParsedRow]:
        return [r for r in self.rows if r.is_valid]

    @property
    def error_rows(self) -> list[ParsedRow]:
        return [r for r in self.rows if not r.is_valid]

    @property
    def errors(self) -> list[RowError]:
        return [e for r in self.rows for e in r.errors]

    @property
    def has_errors(self) -> bool:
        return bool(self.file_errors or self.error_rows)

    @property
    def can_import(self) -> bool:
        return not self.file_errors and bool(self.valid_rows)


def _cell_to_form_value(column: ImportColumn, value, errors: list[str]):
    """Turn a cell as openpyxl reads it into what the row form expects (strings or dates)."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.date() if column.field in DATE_FIELDS else value.strftime("%Y-%m-%d")
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        if column.field == "citizen_id":
            errors.append(_("The cell holds a number, and Excel keeps only 15 digits of it. Format the column as "
                            "text and type the ID again."))
            return ""
        if value.is_integer():
            value = int(value)
        elif column.field in DATE_FIELDS:
            errors.append(_("Enter the date as yyyy-mm-dd."))
            return ""
    if isinstance(value, int):
        if column.field in DATE_FIELDS:
            return _serial_or_digits_date(value, errors)
        return str(value)
    return str(value).strip()


def _serial_or_digits_date(value: int, errors: list[str]):
    if 19000101 <= value <= 29991231:         # 20100701 typed as a number
        return str(value)
    if 1 <= value < 2958466:                  # an Excel serial day number in a cell without a date format
        from openpyxl.utils.datetime import from_excel

        return from_excel(value).date()
    errors.append(_("Enter the date as yyyy-mm-dd."))
    return ""


def _find_header(rows: list[tuple]) -> tuple[int, dict[int, ImportColumn], list[str]] | None:
    """(index of the header row, {column index: column}, unknown headers) or None."""
    for index, values in enumerate(rows):
        mapping, unknown = {}, []
        for col, value in enumerate(values):
            key = normalize_header(value)
            if not key:
                continue
            column = HEADER_LOOKUP.get(key)
            if column is None:
                unknown.append(str(value).strip())
            elif column in mapping.values():
                unknown.append(str(value).strip())
            else:
                mapping[col] = column
        fields = {c.field for c in mapping.values()}
        if {"name", "citizen_id"} <= fields:
            return index, mapping, unknown
    return None


def _is_blank(values) -> bool:
    return values is None or all(v is None or str(v).strip() == "" for v in values)


def read_sheet(fileobj) -> list[tuple[int, tuple]]:
    """(Excel row number, cell values) of the first sheet's non-blank rows, at most the header area plus
    MAX_ROWS + 1 data rows. Raises ValueError when the file is not a workbook openpyxl can read."""
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(fileobj, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - whatever openpyxl raises, the file is not a readable workbook
        raise ValueError("unreadable workbook") from exc
    rows = []
    try:
        for number, values in enumerate(workbook.worksheets[0].iter_rows(values_only=True), start=1):
            if _is_blank(values):
                continue
            rows.append((number, values))
            if len(rows) > HEADER_SEARCH_ROWS + MAX_ROWS:
                break
    except Exception as exc:  # noqa: BLE001 - a sheet that breaks while being read (malformed XML, ...)
        raise ValueError("unreadable sheet") from exc
    finally:
        workbook.close()
    return rows


def validate_workbook(fileobj, *, user) -> ImportReport:
    """Read the first sheet and validate every row; nothing is written."""
    report = ImportReport()
    try:
        rows = read_sheet(fileobj)
    except ValueError:
        logger.info("member import: unreadable workbook", exc_info=True)
        report.file_errors.append(_("This file cannot be opened as an Excel workbook."))
        return report
    found = _find_header([values for _n, values in rows[:HEADER_SEARCH_ROWS]])
    if found is None:
        report.file_errors.append(
            _("No header row was found at the top of the first sheet. Use the template: the header row needs at "
              "least the columns 姓名 and 公民身份号码."))
        return report
    header_index, mapping, unknown = found
    missing = [c.header for c in COLUMNS if c.required and c not in mapping.values()]
    if missing:
        report.file_errors.append(_("Required columns are missing: %(cols)s.") % {"cols": "、".join(missing)})
        return report
    if unknown:
        report.notices.append(_("These columns are not recognised and were ignored: %(cols)s.")
                              % {"cols": "、".join(unknown)})
    data = rows[header_index + 1:]
    if not data:
        report.file_errors.append(_("The sheet has a header row but no data rows."))
        return report
    if len(data) > MAX_ROWS:
        report.file_errors.append(_("The file has more than %(n)d rows; split it into several files.") % {"n": MAX_ROWS})
        return report
    units = {u.code: u for u in person_unit_choices(user, MEMBER_IMPORT)}
    groups = {g.code: g for g in party_group_choices(user, MEMBER_IMPORT)}
    seen_ids: dict[str, int] = {}
    for number, values in data:
        report.rows.append(_validate_row(number, values, mapping, user=user, units=units, groups=groups,
                                         seen_ids=seen_ids))
    return report


def _validate_row(number, values, mapping, *, user, units, groups, seen_ids) -> ParsedRow:
    row = ParsedRow(number=number)
    data, pre_errors = {}, {}
    for col, column in mapping.items():
        errors: list[str] = []
        data[column.field] = _cell_to_form_value(column, values[col] if col < len(values) else None, errors)
        if errors:
            pre_errors[column.field] = errors
    for column in COLUMNS:
        data.setdefault(column.field, "")
    form = PersonImportRowForm(data, user=user, units=units, groups=groups)
    valid = form.is_valid()
    for name, messages in pre_errors.items():
        row.errors.extend(RowError(number, COLUMN_BY_FIELD[name].header, m) for m in messages)
    if not valid:
        for name, messages in form.errors.items():
            if name in pre_errors:
                continue
            header = COLUMN_BY_FIELD[name].header if name in COLUMN_BY_FIELD else ""
            row.errors.extend(RowError(number, header, str(m)) for m in messages)
    citizen_id = normalize(str(data.get("citizen_id") or ""))
    if citizen_id:
        first = seen_ids.setdefault(citizen_id, number)
        if first != number:
            row.errors.append(RowError(number, COLUMN_BY_FIELD["citizen_id"].header,
                                       _("The same citizen ID is already in row %(n)d of this file.") % {"n": first}))
    if not row.errors:
        row.fields = form.person_fields()
    return row


# ---------------------------------------------------------------------------------------------------------
# Keeping the upload between the two steps
# ---------------------------------------------------------------------------------------------------------

def upload_name(token: uuid.UUID | str) -> str:
    return f"{UPLOAD_DIR}/{uuid.UUID(str(token))}.xlsx"     # the uuid check keeps names inside imports/


def store_upload(uploaded_file) -> uuid.UUID:
    purge_stale_uploads()
    token = uuid.uuid4()
    uploaded_file.seek(0)
    saved = default_storage.save(upload_name(token), uploaded_file)
    if saved != upload_name(token):                          # never expected with a fresh uuid
        default_storage.delete(saved)
        raise OSError("import upload name collision")
    return token


def open_upload(token):
    """The stored upload as a binary file, or None when it is gone."""
    name = upload_name(token)
    if not default_storage.exists(name):
        return None
    return default_storage.open(name, "rb")


def delete_upload(token) -> None:
    name = upload_name(token)
    if default_storage.exists(name):
        default_storage.delete(name)


def purge_stale_uploads(max_age: datetime.timedelta = STALE_UPLOAD_AGE) -> None:
    """Delete uploads abandoned between the two steps (best effort)."""
    try:
        _dirs, files = default_storage.listdir(UPLOAD_DIR)
    except (FileNotFoundError, NotImplementedError, OSError):
        return
    limit = timezone.now() - max_age
    for name in files:
        path = f"{UPLOAD_DIR}/{name}"
        try:
            if default_storage.get_modified_time(path) < limit:
                default_storage.delete(path)
        except (FileNotFoundError, NotImplementedError, OSError):
            continue

