"""Discipline choices: case kinds, measures, steps, statuses; integrity-risk letters; appraisal grades."""
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class CaseKind(models.TextChoices):
    SANCTION = "sanction", _("Party sanction")
    ORG_HANDLING = "org_handling", _("Organizational handling")
    LAPSE = "lapse", _("Lapse (unpaid dues or no organizational life for 6 months)")
    APPRAISAL = "appraisal", _("Unqualified in democratic appraisal")


class Measure(models.TextChoices):
    WARNING = "warning", pgettext_lazy("sanction", "Warning")
    SERIOUS_WARNING = "serious_warning", _("Serious warning")
    REMOVAL_FROM_POSTS = "removal_from_posts", _("Removal from party posts")
    PROBATION = "probation", _("Probation within the party")
    EXPULSION = "expulsion", _("Expulsion from the party")
    RECTIFY = "rectify", _("Rectify within a time limit")
    PERSUADE_WITHDRAW = "persuade_withdraw", _("Persuade to withdraw")
    REMOVAL = "removal", _("Removal from the party roll")
    SELF_WITHDRAWAL = "self_withdrawal", _("Regarded as having left the party of own accord")


SANCTION_MEASURES = (Measure.WARNING, Measure.SERIOUS_WARNING, Measure.REMOVAL_FROM_POSTS, Measure.PROBATION,
                     Measure.EXPULSION)
HANDLING_MEASURES = (Measure.RECTIFY, Measure.PERSUADE_WITHDRAW, Measure.REMOVAL)
MEASURES_BY_KIND = {
    CaseKind.SANCTION: SANCTION_MEASURES,
    CaseKind.ORG_HANDLING: HANDLING_MEASURES,
    CaseKind.APPRAISAL: HANDLING_MEASURES,
    CaseKind.LAPSE: (Measure.SELF_WITHDRAWAL, Measure.REMOVAL),
}
# Measures that end the membership on the effect date, and the status they set (members.choices.MemberStatus).
ENDS_MEMBERSHIP = {
    Measure.EXPULSION: "expelled",
    Measure.REMOVAL: "removed",
    Measure.SELF_WITHDRAWAL: "removed",
    Measure.PERSUADE_WITHDRAW: "withdrew",
}
# Measures that end the member's committee positions and appointments on the effect date.
ENDS_POSTS = (Measure.REMOVAL_FROM_POSTS, Measure.EXPULSION, Measure.REMOVAL, Measure.SELF_WITHDRAWAL,
              Measure.PERSUADE_WITHDRAW)


class CaseStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("case status", "Open")
    DECIDED = "decided", _("Decided by the branch general meeting")
    APPROVED = "approved", _("Approved by the higher committee")
    DELIVERED = "delivered", _("Decision delivered")
    EFFECTIVE = "effective", _("In effect")
    APPEALED = "appealed", _("Under appeal")
    REVOKED = "revoked", _("Revoked on appeal")
    CLOSED = "closed", _("Closed")


OPEN_STATUSES = (CaseStatus.OPEN, CaseStatus.DECIDED, CaseStatus.APPROVED, CaseStatus.DELIVERED, CaseStatus.APPEALED)


class StepKind(models.TextChoices):
    OPENED = "opened", _("Case opened")
    INVESTIGATION = "investigation", _("Facts and investigation")
    EDUCATION_TALK = "education_talk", _("Education talk")
    STATEMENT = "statement", _("The member's own statement")
    BRANCH_DECISION = "branch_decision", _("Branch general meeting decision")
    APPROVAL = "approval", _("Approval by the higher committee")
    DELIVERY = "delivery", _("Written decision delivered")
    EFFECT = "effect", _("Decision took effect")
    APPEAL = "appeal", _("Appeal")
    APPEAL_RESULT = "appeal_result", _("Result of the appeal")
    PROBATION_REVIEW = "probation_review", _("Review at the end of probation within the party")
    CLOSE = "close", _("Closed without a decision")


class AppealOutcome(models.TextChoices):
    UPHELD = "upheld", _("Decision upheld")
    REVOKED = "revoked", _("Decision revoked")


class ProbationOutcome(models.TextChoices):
    RESTORE = "restore", _("Rights restored")
    EXPEL = "expel", _("Expulsion proposed (a new sanction case is opened)")


class LetterKind(models.TextChoices):
    INQUIRY = "inquiry", _("Inquiry letter")
    ADMONITION = "admonition", _("Warning-and-admonition notice")
    CORRECTION = "correction", _("Order to correct")


class LetterStatus(models.TextChoices):
    ISSUED = "issued", _("Issued, waiting for the answer")
    ANSWERED = "answered", _("Answer received")
    CLOSED = "closed", _("Closed")


class LetterEventKind(models.TextChoices):
    ISSUED = "issued", _("Letter issued")
    TALK = "talk", _("Talk")
    ANSWER = "answer", _("Written answer or correction report")
    CLOSED = "closed", _("Closure")


class Grade(models.TextChoices):
    EXCELLENT = "excellent", _("Excellent")
    QUALIFIED = "qualified", _("Qualified")
    BASIC = "basic", _("Basically qualified")
    UNQUALIFIED = "unqualified", _("Unqualified")


class AppraisalStatus(models.TextChoices):
    DRAFT = "draft", _("Being recorded")
    REPORTED = "reported", _("Reported upward")
