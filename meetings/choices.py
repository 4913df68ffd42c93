from django.db import models
from django.utils.translation import gettext_lazy as _


class MeetingType(models.TextChoices):
    GENERAL = "general", _("Branch general meeting")
    COMMITTEE = "committee", _("Branch committee meeting")
    GROUP = "group", _("Party group meeting")
    LECTURE = "lecture", _("Party lecture")
    THEME_DAY = "theme_day", _("Theme party day")
    ORG_LIFE = "org_life", _("Organizational life meeting")
    APPRAISAL = "appraisal", _("Democratic appraisal of members")
    STUDY = "study", _("Concentrated study")
    DEMOCRATIC_LIFE = "democratic_life", _("Democratic life meeting")
    TALK = "talk", _("Heart-to-heart talk")
    OTHER = "other", _("Other meeting")


class TalkKind(models.TextChoices):
    """The pairs of heart-to-heart talks a branch with an elected committee holds each year [Branch2018]: between
    committee members, between committee members and members, between members. Read from the talk's two people
    and the committee positions on its date (``meetings.compliance.talk_kind``), not entered."""

    AMONG_COMMITTEE = "among_committee", _("between committee members")
    COMMITTEE_MEMBER = "committee_member", _("committee member with a member")
    AMONG_MEMBERS = "among_members", _("between members")


# Organizational life: the meetings whose attendance counts for the 6-month lapse rule [Constitution Art. 9].
ORG_LIFE_TYPES = (MeetingType.GENERAL, MeetingType.COMMITTEE, MeetingType.GROUP, MeetingType.LECTURE,
                  MeetingType.THEME_DAY, MeetingType.ORG_LIFE, MeetingType.APPRAISAL, MeetingType.STUDY,
                  MeetingType.DEMOCRATIC_LIFE)
# Meetings whose resolutions carry votes under the general-meeting rule (quorum of the full members).
VOTING_TYPES = (MeetingType.GENERAL,)


class MeetingStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    HELD = "held", _("Held")
    CANCELLED = "cancelled", _("Cancelled")


class AttendanceStatus(models.TextChoices):
    INVITED = "invited", _("Invited (not recorded yet)")
    PRESENT = "present", _("Present")
    LEAVE = "leave", _("On leave")
    ABSENT = "absent", _("Absent")


class Period(models.TextChoices):
    MONTH = "month", _("Monthly")
    QUARTER = "quarter", _("Quarterly")
    HALF_YEAR = "half_year", _("Half-yearly")
    YEAR = "year", _("Yearly")


PERIOD_MONTHS = {Period.MONTH: 1, Period.QUARTER: 3, Period.HALF_YEAR: 6, Period.YEAR: 12}


class AttachmentKind(models.TextChoices):
    PHOTO = "photo", _("Photo")
    SIGN_IN = "sign_in", _("Sign-in sheet")
    DOCUMENT = "document", _("Document")
