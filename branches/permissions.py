"""Roles as data: which actions each role grants on its unit and everything below it.

Actions are plain strings so that later apps add their own without touching this module's callers.
"view" is granted by every role.
"""
from .choices import Role

VIEW = "view"
UNIT_CHANGE = "unit.change"          # edit a unit's details, committee terms
UNIT_MANAGE = "unit.manage"          # create, move, merge, dissolve units
APPOINTMENT_MANAGE = "appointment.manage"
MEMBER_CHANGE = "member.change"
MEMBER_IMPORT = "member.import"
MEMBER_VIEW_SENSITIVE = "member.view_sensitive"  # unmasked citizen ID
AUDIT_VIEW = "audit.view"
PIPELINE_CHANGE = "pipeline.change"
REVIEW = "review"
MEETING_CHANGE = "meeting.change"
DUES_VIEW = "dues.view"
DUES_CHANGE = "dues.change"
DISCIPLINE_VIEW = "discipline.view"
DISCIPLINE_CHANGE = "discipline.change"

ALL_ACTIONS = frozenset({
    VIEW, UNIT_CHANGE, UNIT_MANAGE, APPOINTMENT_MANAGE, MEMBER_CHANGE, MEMBER_IMPORT,
    MEMBER_VIEW_SENSITIVE, AUDIT_VIEW, PIPELINE_CHANGE, REVIEW, MEETING_CHANGE, DUES_VIEW,
    DUES_CHANGE, DISCIPLINE_VIEW, DISCIPLINE_CHANGE,
})

ROLE_ACTIONS: dict[str, frozenset[str]] = {
    Role.ADMIN: ALL_ACTIONS,
    Role.SECRETARY: frozenset({
        VIEW, UNIT_CHANGE, MEMBER_CHANGE, MEMBER_IMPORT, MEMBER_VIEW_SENSITIVE, AUDIT_VIEW,
        PIPELINE_CHANGE, MEETING_CHANGE, DUES_VIEW, DISCIPLINE_VIEW,
    }),
    Role.ORGANIZER: frozenset({
        VIEW, MEMBER_CHANGE, MEMBER_IMPORT, MEMBER_VIEW_SENSITIVE, PIPELINE_CHANGE, MEETING_CHANGE,
    }),
    Role.DUES_CLERK: frozenset({VIEW, DUES_VIEW, DUES_CHANGE}),
    Role.DISCIPLINE_OFFICER: frozenset({VIEW, MEMBER_VIEW_SENSITIVE, DISCIPLINE_VIEW, DISCIPLINE_CHANGE}),
    Role.REVIEWER: frozenset({VIEW, REVIEW, MEMBER_VIEW_SENSITIVE, AUDIT_VIEW, DISCIPLINE_VIEW}),
    Role.VIEWER: frozenset({VIEW}),
}


def role_grants(role: str, action: str) -> bool:
    return action in ROLE_ACTIONS.get(role, frozenset())
