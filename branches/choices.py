from django.db import models
from django.utils.translation import gettext_lazy as _


class UnitKind(models.TextChoices):
    COMMITTEE = "committee", _("Committee")
    GENERAL_BRANCH = "general_branch", _("General branch")
    BRANCH = "branch", _("Branch")
    PARTY_GROUP = "party_group", _("Party group")


class System(models.TextChoices):
    PARTY = "party", _("Party")
    LEAGUE = "league", _("Youth League")


class UnitCategory(models.TextChoices):
    ORGAN = "organ", _("Government organ")
    ENTERPRISE = "enterprise", _("Enterprise")
    RURAL = "rural", _("Rural")
    COMMUNITY = "community", _("Community")
    SCHOOL = "school", _("School")
    INSTITUTION = "institution", _("Public institution")
    SOCIAL = "social", _("Social organization")
    RETIREE = "retiree", _("Retirees")
    OTHER = "other", _("Other")


class Role(models.TextChoices):
    ADMIN = "admin", _("Administrator")
    SECRETARY = "secretary", _("Secretary")
    ORGANIZER = "organizer", _("Organizer")
    DUES_CLERK = "dues_clerk", _("Dues clerk")
    DISCIPLINE_OFFICER = "discipline_officer", _("Discipline officer")
    REVIEWER = "reviewer", _("Reviewer")
    VIEWER = "viewer", _("Viewer")


class CommitteePositionKind(models.TextChoices):
    SECRETARY = "secretary", _("Secretary")
    DEPUTY = "deputy", _("Deputy secretary")
    ORGANIZATION = "organization", _("Organization member")
    PUBLICITY = "publicity", _("Publicity member")
    DISCIPLINE = "discipline", _("Discipline member")
    YOUTH = "youth", _("Youth member")
    OTHER = "other", _("Other member")


TERM_YEARS_CHOICES = [(3, _("3 years")), (5, _("5 years"))]


class AuditAction(models.TextChoices):
    CREATE = "create", _("Created")
    UPDATE = "update", _("Updated")
    DELETE = "delete", _("Deleted")
    MOVE = "move", _("Moved")
    MERGE = "merge", _("Merged")
    DISSOLVE = "dissolve", _("Dissolved")
    APPOINT = "appoint", _("Appointed")
    END = "end", _("Ended")
    IMPORT = "import", _("Imported")
    STATUS = "status", _("Status changed")
