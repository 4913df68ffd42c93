from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class RateCategory(models.TextChoices):
    """The categories of the rate table [Dues2008]: a person's 人员类别 maps onto one of these."""

    EMPLOYEE = "employee", _("Employee")
    RETIREE = "retiree", _("Retiree")
    FARMER = "farmer", _("Farmer")
    STUDENT = "student", _("Student, unemployed or on relief")


class EntryKind(models.TextChoices):
    CHARGE = "charge", _("Charge")
    PAYMENT = "payment", _("Payment")
    VOLUNTARY = "voluntary", _("One-off voluntary payment")


class EntryOrigin(models.TextChoices):
    MONTHLY = "monthly", _("Monthly charge")
    ADJUSTMENT = "adjustment", _("Base changed")
    PAYMENT = "payment", _("Payment")
    REVERSAL = "reversal", _("Reversal")


class PaymentMethod(models.TextChoices):
    CASH = "cash", _("Cash")
    TRANSFER = "transfer", _("Bank transfer")
    WECHAT = "wechat", _("WeChat Pay")
    ALIPAY = "alipay", _("Alipay")
    PAYROLL = "payroll", _("Deducted from pay")


class PaidBy(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    PROXY = "proxy", _("By proxy")


class ReliefKind(models.TextChoices):
    DEFERRAL = "deferral", _("Deferral")
    EXEMPTION = "exemption", _("Hardship exemption")


class LapseStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("lapse case", "Open")
    TALK_HELD = "talk_held", _("Education talk held")
    BRANCH_DECIDED = "branch_decided", _("Branch meeting decided")
    APPROVED = "approved", _("Approved by the higher committee")
    CLOSED = "closed", _("Closed")


# The lapse case's workflow: from -> allowed next statuses. "closed" ends a case without a decision (the member
# paid up after the talk, a deferral was approved); "approved" hands the case to the discipline work.
LAPSE_TRANSITIONS = {
    LapseStatus.OPEN: (LapseStatus.TALK_HELD, LapseStatus.CLOSED),
    LapseStatus.TALK_HELD: (LapseStatus.BRANCH_DECIDED, LapseStatus.CLOSED),
    LapseStatus.BRANCH_DECIDED: (LapseStatus.APPROVED, LapseStatus.CLOSED),
    LapseStatus.APPROVED: (),
    LapseStatus.CLOSED: (),
}
LAPSE_OPEN_STATUSES = (LapseStatus.OPEN, LapseStatus.TALK_HELD, LapseStatus.BRANCH_DECIDED)


class MonthState(models.TextChoices):
    PAID = "paid", _("Paid")
    PARTLY = "partly", _("Partly paid")
    UNPAID = "unpaid", _("Unpaid")
    NOT_DUE = "not_due", _("Not due")
    RELIEF = "relief", _("Deferred or exempt")
