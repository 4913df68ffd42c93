from django.db import models
from django.utils.translation import gettext_lazy as _


class Gender(models.TextChoices):
    MALE = "M", _("Male")
    FEMALE = "F", _("Female")


class MemberStatus(models.TextChoices):
    APPLICANT = "applicant", _("Applicant")
    ACTIVIST = "activist", _("Activist")
    CANDIDATE = "candidate", _("Candidate")
    PROBATIONARY = "probationary", _("Probationary member")
    FULL = "full", _("Full member")
    TRANSFERRED_OUT = "transferred_out", _("Transferred out")
    DECEASED = "deceased", _("Deceased")
    WITHDREW = "withdrew", _("Withdrew")
    REMOVED = "removed", _("Removed from the roll")
    EXPELLED = "expelled", _("Expelled")
    PROBATION_CANCELLED = "probation_cancelled", _("Probation cancelled")


# Members on the roll (党员) vs. people in the pipeline vs. people who have left.
MEMBER_STATUSES = (MemberStatus.PROBATIONARY, MemberStatus.FULL)
PIPELINE_STATUSES = (MemberStatus.APPLICANT, MemberStatus.ACTIVIST, MemberStatus.CANDIDATE)
ACTIVE_STATUSES = PIPELINE_STATUSES + MEMBER_STATUSES
LEFT_STATUSES = (
    MemberStatus.TRANSFERRED_OUT, MemberStatus.DECEASED, MemberStatus.WITHDREW, MemberStatus.REMOVED,
    MemberStatus.EXPELLED, MemberStatus.PROBATION_CANCELLED,
)


class Education(models.TextChoices):
    DOCTORATE = "doctorate", _("Doctorate")
    MASTER = "master", _("Master")
    BACHELOR = "bachelor", _("Bachelor")
    COLLEGE = "college", _("Junior college")
    VOCATIONAL = "vocational", _("Secondary vocational")
    HIGH_SCHOOL = "high_school", _("High school")
    MIDDLE_SCHOOL = "middle_school", _("Middle school")
    PRIMARY = "primary", _("Primary school or below")


class PersonCategory(models.TextChoices):
    EMPLOYEE = "employee", _("Employee")
    RETIREE = "retiree", _("Retiree")
    STUDENT = "student", _("Student")
    FARMER = "farmer", _("Farmer")
    UNEMPLOYED = "unemployed", _("Unemployed")
    OTHER = "other", _("Other")


AGE_BANDS = [
    ("0-35", _("35 and under"), 0, 35),
    ("36-45", _("36–45"), 36, 45),
    ("46-55", _("46–55"), 46, 55),
    ("56-60", _("56–60"), 56, 60),
    ("61-", _("61 and over"), 61, 200),
]
