"""Who may use each URL: the table the permission matrix (accounts/tests/
test_permission_matrix.py) checks every URL of the resolver against, for every role.

One line per URL name: who may use it (anyone, any logged-in person, the holders of one of
some permissions), the kind of object each URL argument names (the matrix fills it with an
object in the caller's reach and one out of it), and what one without the right is answered:
404 where the page hides itself from those without the duty, 403 where it says why. Out of
reach is 404 everywhere. A URL the resolver has and this table lacks fails the suite.
"""

from dataclasses import dataclass, field
from enum import StrEnum

from bastion.accounts.roles import Perm, Reach


class Who(StrEnum):
    PUBLIC = "public"
    LOGGED_IN = "logged in"
    NOBODY = "nobody"  # 404 to everyone: a marker of the router, a feature switched off
    # Not for people: another Bastion instance's signed requests; 401 to every person.
    SIGNED = "signed"


@dataclass(frozen=True)
class Access:
    who: Who | frozenset[Perm]
    on: tuple[str, ...] = ()  # the kind of each URL argument, in order
    query: dict[str, str] = field(default_factory=dict)  # GET parameter → kind
    # The answer to a logged-in person without the right (several: it depends on the reach,
    # e.g. 404 for one who reaches nobody, 403 for one who reaches the object without duty).
    refused: int | tuple[int, ...] = 404
    # Only for holders whose reach is one of these (plans need units, not a grid).
    reach: frozenset[Reach] | None = None
    only: str = ""  # only for people of this kind ("student")
    given: tuple[str, ...] = ()  # what the caller has before asking (today's check-in)
    # The form is read before the right: an empty POST from one without it is answered as a
    # bad form (400, or back to the page with the message), not refused.
    form_first: bool = False

    def allows(self, perms: frozenset[Perm], reach: frozenset[Reach], kind: str) -> bool:
        if self.who in (Who.NOBODY, Who.SIGNED):
            return False
        granted = isinstance(self.who, Who) or bool(self.who & perms)
        return (
            granted
            and (self.reach is None or bool(self.reach & reach))
            and (not self.only or self.only == kind)
        )

    @property
    def refusals(self) -> tuple[int, ...]:
        refused = self.refused if isinstance(self.refused, tuple) else (self.refused,)
        return (*refused, 302, 400) if self.form_first else refused


def _on(on: str | tuple[str, ...]) -> tuple[str, ...]:
    return (on,) if isinstance(on, str) else on


def public(on: str | tuple[str, ...] = ()) -> Access:
    return Access(Who.PUBLIC, _on(on))


def logged_in(on: str | tuple[str, ...] = (), **kwargs) -> Access:
    return Access(Who.LOGGED_IN, _on(on), **kwargs)


def needs(*perms: Perm, on: str | tuple[str, ...] = (), **kwargs) -> Access:
    """For the holders of any of `perms`."""
    return Access(frozenset(perms), _on(on), **kwargs)


def nobody() -> Access:
    return Access(Who.NOBODY)


def signed() -> Access:
    """For another Bastion instance signing with its key (a member university): 401 to all."""
    return Access(Who.SIGNED, refused=401)


UNITS = frozenset({Reach.EVERYONE, Reach.ALL_STUDENTS, Reach.ALL_STAFF, Reach.UNIT_SUBTREE})
UNITS_OR_PARTY = UNITS | {Reach.PARTY_SUBTREE}
OTHERS = frozenset(Reach) - {Reach.NOBODY_ELSE}  # those who reach someone beside themselves

# Every URL name under a namespace shares one entry: the administration is one door.
NAMESPACES: dict[str, Access] = {
    "admin": needs(Perm.ADMIN, refused=302),  # Django's admin sends others to its login page
}

URLS: dict[str, Access] = {
    # accounts, languages
    "home": logged_in(),
    "login": public(),
    "logout": public(),
    "password_change": logged_in(),
    "set_language": public(),
    "javascript-catalog": public(),
    # organization
    "org:units": logged_in(),
    "org:unit": logged_in("unit"),
    "org:party": logged_in(),
    "org:party_org": logged_in("party_org"),
    "org:people": logged_in(),
    "org:person": logged_in("person"),
    # roster import: one's own imports only
    "roster:import": needs(Perm.IMPORT_ROSTER),
    "roster:detail": needs(Perm.IMPORT_ROSTER, on="roster_import"),
    "roster:confirm": needs(Perm.IMPORT_ROSTER, on="roster_import"),
    "roster:progress": needs(Perm.IMPORT_ROSTER, on="roster_import"),
    "roster:template": logged_in(),
    # check-ins
    "checkins:today": logged_in(),
    "checkins:for_lookup": needs(Perm.CHECKIN_PROXY, query={"number": "person"}),
    "checkins:for_person": needs(Perm.CHECKIN_PROXY, on="person"),
    # alerts
    "alerts:queue": logged_in(),
    "alerts:mine": logged_in(),
    "alerts:chase": needs(Perm.HANDLE_ALERTS),
    "alerts:detail": logged_in("alert"),
    "alerts:acknowledge": needs(Perm.HANDLE_ALERTS, on="alert"),
    "alerts:close": needs(Perm.HANDLE_ALERTS, on="alert"),
    # daily and urgent reports, digests
    "reports:daily": logged_in(),
    "reports:submit": logged_in("unit"),
    "urgent:list": logged_in(),
    "urgent:new": needs(Perm.URGENT_REPORT),
    "urgent:detail": logged_in("urgent_report"),
    "urgent:acknowledge": logged_in("urgent_report"),
    "urgent:digest": logged_in(("digest_kind", "day")),
    "urgent:digest_xlsx": logged_in(("digest_kind", "day")),
    # dashboards
    "dashboards:home": logged_in(),
    "dashboards:unit": needs(Perm.VIEW_DASHBOARD, on="unit"),
    "dashboards:missing_export": needs(Perm.VIEW_DASHBOARD, on="unit"),
    # tracing
    "tracing:desk": needs(Perm.VIEW_PEOPLE),
    "tracing:trips": logged_in(),
    "tracing:clusters": needs(Perm.VIEW_PEOPLE),
    "tracing:cluster_detail": needs(Perm.VIEW_PEOPLE, on="cluster"),
    "tracing:key_area_ledger": needs(Perm.VIEW_PEOPLE),
    "tracing:key_area_ledger_xlsx": needs(Perm.VIEW_PEOPLE),
    "tracing:cases": needs(Perm.VIEW_PEOPLE, Perm.TRACE),
    "tracing:cases_xlsx": needs(Perm.VIEW_PEOPLE, Perm.TRACE),
    "tracing:case_new": needs(Perm.TRACE),
    "tracing:case_detail": needs(Perm.VIEW_PEOPLE, Perm.TRACE, on="case"),
    "tracing:case_move": needs(Perm.VIEW_PEOPLE, Perm.TRACE, on="case"),
    "tracing:case_times": needs(Perm.VIEW_PEOPLE, Perm.TRACE, on="case"),
    "tracing:case_graph": needs(Perm.VIEW_PEOPLE, on="case"),
    "tracing:contacts": needs(Perm.VIEW_PEOPLE),
    "tracing:contacts_xlsx": needs(Perm.VIEW_PEOPLE),
    "tracing:contact_decide": needs(Perm.TRACE, on="contact", form_first=True),
    "tracing:contact_propose": needs(Perm.TRACE, on="contact"),
    "tracing:isolations": needs(Perm.VIEW_PEOPLE),
    "tracing:isolations_xlsx": needs(Perm.VIEW_PEOPLE),
    "tracing:isolation_detail": logged_in("isolation"),
    "tracing:isolation_act": needs(
        Perm.ISOLATE, on=("isolation", "isolation_action")
    ),  # or its carer
    "tracing:care": logged_in(),
    "tracing:care_log": needs(Perm.ISOLATE, on="isolation"),  # or its carer
    # campus: returns, passes, the gate, leave, key places, visitors, contingency plans
    "campus:my_return": logged_in(),
    "campus:return_withdraw": logged_in("own_return", refused=403),
    "campus:review": needs(Perm.APPROVE_RETURN, Perm.APPROVE_RETURN_COLLEGE),
    "campus:approve_clear": needs(Perm.APPROVE_RETURN, Perm.APPROVE_RETURN_COLLEGE),
    "campus:resort": needs(Perm.APPROVE_RETURN, Perm.APPROVE_RETURN_COLLEGE),
    "campus:return_decide": needs(
        Perm.APPROVE_RETURN, Perm.APPROVE_RETURN_COLLEGE, on="return_application"
    ),
    "campus:plan": needs(Perm.SEMESTER_PLAN),
    "campus:pass": logged_in(),
    "campus:pass_code": logged_in(),
    "campus:gate": needs(Perm.GATE_CHECK),
    "campus:gate_check": needs(Perm.GATE_CHECK),
    "campus:access_log": logged_in(),
    "campus:leave": logged_in(),
    "campus:leave_queue": needs(Perm.APPROVE_LEAVE),
    "campus:leave_decide": needs(Perm.APPROVE_LEAVE, on="leave"),
    "campus:leave_withdraw": logged_in("own_leave", refused=403),
    "campus:places": needs(Perm.GATE_CHECK, Perm.MANAGE_PLACES),
    "campus:place_new": needs(Perm.MANAGE_PLACES),
    "campus:visitors": needs(Perm.REGISTER_VISITORS, Perm.GATE_CHECK),
    "campus:visitor_new": needs(Perm.REGISTER_VISITORS),
    "campus:visitor_detail": logged_in("visitor"),
    "campus:visitor_revoke": logged_in("visitor"),
    "campus:place_detail": needs(Perm.GATE_CHECK, Perm.MANAGE_PLACES, on="place"),
    "campus:place_edit": needs(Perm.MANAGE_PLACES, on="place"),
    "campus:place_pass": needs(Perm.GATE_CHECK, Perm.MANAGE_PLACES, on="place"),
    "campus:place_act": needs(Perm.MANAGE_PLACES, on=("place", "place_action")),
    "campus:plans": needs(Perm.CONTINGENCY_PLAN, Perm.VIEW_DASHBOARD, reach=UNITS_OR_PARTY),
    "campus:plans_xlsx": needs(Perm.CONTINGENCY_PLAN, Perm.VIEW_DASHBOARD, reach=UNITS_OR_PARTY),
    "campus:plan_unit": needs(
        Perm.CONTINGENCY_PLAN, Perm.VIEW_DASHBOARD, on="unit", reach=UNITS_OR_PARTY
    ),
    "campus:plan_version_add": needs(Perm.CONTINGENCY_PLAN, on="unit"),
    "campus:plan_detail": needs(
        Perm.CONTINGENCY_PLAN, Perm.VIEW_DASHBOARD, on="plan", reach=UNITS_OR_PARTY
    ),
    "campus:plan_version_download": needs(
        Perm.CONTINGENCY_PLAN, Perm.VIEW_DASHBOARD, on=("plan", "version"), reach=UNITS_OR_PARTY
    ),
    # Party work: front-line posts, duty, care for the front line
    "partywork:home": logged_in(),
    "partywork:frontline_posts": logged_in(),  # the posts one is at
    "partywork:frontline_post_new": needs(Perm.PARTY_TASKS, refused=403),
    "partywork:frontline_post": logged_in("post"),
    "partywork:frontline_member_add": needs(Perm.PARTY_TASKS, on="post", form_first=True),
    "partywork:frontline_member_remove": needs(Perm.PARTY_TASKS, on="post", form_first=True),
    "partywork:frontline_post_dissolve": needs(Perm.PARTY_TASKS, on="post", refused=403),
    "partywork:duty_roster": logged_in(),  # one's own shifts
    "partywork:duty_shift_new": needs(Perm.DUTY_ROSTER, refused=403),
    "partywork:duty_mine": logged_in(),
    "partywork:duty_share": needs(Perm.DUTY_ROSTER, refused=403),
    "partywork:duty_shift": logged_in("shift"),
    "partywork:duty_shift_swap": needs(Perm.DUTY_ROSTER, on="shift", form_first=True),
    "partywork:duty_shift_cancel": needs(Perm.DUTY_ROSTER, on="shift", refused=403),
    "partywork:duty_check_in": logged_in("shift"),
    "partywork:duty_check_out": logged_in("shift"),
    "partywork:care": needs(Perm.CARE_FRONTLINE, refused=403),
    "partywork:care_register": needs(Perm.CARE_FRONTLINE, refused=403),
    "partywork:care_equipment": needs(Perm.CARE_FRONTLINE, refused=403),
    "partywork:care_assign": needs(Perm.CARE_FRONTLINE, on="care_case", form_first=True),
    "partywork:care_resolve": logged_in("care_case"),  # the one it is assigned to
    # Party work: vanguard tasks, branches, candidates, work reports
    "partywork:vanguard_tasks": logged_in(),
    "partywork:vanguard_pledge": logged_in(),
    "partywork:vanguard_complete": logged_in("own_task", refused=403),
    "partywork:vanguard_cancel": needs(Perm.PARTY_TASKS, on="vanguard_task", refused=403),
    "partywork:vanguard_member": logged_in("person"),
    "partywork:vanguard_branch": logged_in("party_org", reach=OTHERS),
    "partywork:vanguard_assign": needs(Perm.PARTY_TASKS, on="party_org", form_first=True),
    "partywork:vanguard_record": needs(Perm.PARTY_TASKS, on="party_org", form_first=True),
    "partywork:vanguard_candidates": needs(
        Perm.PARTY_TASKS, Perm.BRIEFING, on="party_org", refused=(403, 404)
    ),
    "partywork:vanguard_candidate": needs(
        Perm.PARTY_TASKS, Perm.BRIEFING, on=("party_org", "candidate"), refused=(403, 404)
    ),
    "partywork:vanguard_reports": logged_in(reach=OTHERS),
    "partywork:vanguard_reports_draft": needs(Perm.BRIEFING, refused=(403, 404)),
    "partywork:vanguard_report": logged_in("work_report", reach=OTHERS),
    # Party work: cadres, commendations, discipline inspection
    "partywork:cadres": needs(Perm.ASSESS_CADRES),
    "partywork:rubric": needs(Perm.ASSESS_CADRES),
    "partywork:assessment": needs(Perm.ASSESS_CADRES, on="assessment"),
    "partywork:cadre": needs(Perm.ASSESS_CADRES, on="person"),
    "partywork:commendations": needs(Perm.COMMEND),
    "partywork:discipline_cases": needs(Perm.DISCIPLINE),
    "partywork:discipline_open": needs(Perm.DISCIPLINE),
    "partywork:discipline_case": needs(Perm.DISCIPLINE, on="discipline_case"),
    "partywork:discipline_close": needs(Perm.DISCIPLINE, on="discipline_case"),
    # Party work: exemplary stories, the briefing
    "partywork:stories": logged_in(),
    "partywork:story_new": needs(Perm.PARTY_TASKS),  # and a branch's secretary
    "partywork:stories_mine": needs(Perm.PARTY_TASKS),  # and a branch's secretary
    "partywork:stories_review": needs(Perm.PUBLISH_STORIES),  # and a committee's secretary
    "partywork:stories_docx": needs(Perm.PUBLISH_STORIES, Perm.BRIEFING),
    "partywork:story": logged_in("story"),
    "partywork:story_review": needs(
        Perm.PUBLISH_STORIES, on="story_for_review", refused=(403, 404)
    ),
    "partywork:story_resubmit": needs(Perm.PARTY_TASKS, on="story"),
    "partywork:story_photo": logged_in(("story", "photo")),
    "partywork:briefing": needs(Perm.BRIEFING),
    "partywork:briefing_docx": needs(Perm.BRIEFING),
    # notices and public sentiment
    "notices:mine": logged_in(),
    "notices:compose": needs(Perm.PUBLISH_NOTICES, refused=403),
    "notices:sent": needs(Perm.PUBLISH_NOTICES, refused=403),
    "notices:knowledge": logged_in(),
    "notices:detail": logged_in("notice"),
    "notices:acknowledge": logged_in("notice"),
    "notices:receipts": needs(Perm.PUBLISH_NOTICES, on="notice"),
    "notices:chase": needs(Perm.PUBLISH_NOTICES, on="notice"),
    "notices:withdraw": needs(Perm.PUBLISH_NOTICES, on="notice"),
    "notices:sentiment_new": logged_in(),
    "notices:sentiment_queue": needs(Perm.HANDLE_SENTIMENT),
    "notices:sentiment_detail": logged_in("sentiment"),
    "notices:sentiment_screenshot": logged_in(("sentiment", "screenshot")),
    "notices:sentiment_escalate": needs(Perm.HANDLE_SENTIMENT, on="sentiment", refused=403),
    "notices:sentiment_handle": needs(Perm.HANDLE_SENTIMENT, on="sentiment", refused=403),
    "notices:sentiment_clarify": needs(Perm.HANDLE_SENTIMENT, on="sentiment", refused=403),
    "notices:sentiment_close": needs(Perm.HANDLE_SENTIMENT, on="sentiment", refused=403),
    # supplies: the stores are the university's, kept by their keepers
    "supplies:stock": needs(Perm.KEEP_SUPPLIES, Perm.REQUEST_SUPPLIES, refused=403),
    "supplies:ledger": needs(Perm.KEEP_SUPPLIES, on="supply_item", refused=403),
    "supplies:ledger_xlsx": needs(Perm.KEEP_SUPPLIES, on="supply_item", refused=403),
    "supplies:receive": needs(Perm.KEEP_SUPPLIES, refused=403),
    "supplies:return": needs(Perm.KEEP_SUPPLIES, refused=403),
    "supplies:adjust": needs(Perm.KEEP_SUPPLIES, refused=403),
    "supplies:request": needs(Perm.REQUEST_SUPPLIES, refused=403),
    "supplies:queue": needs(Perm.KEEP_SUPPLIES, refused=403),
    "supplies:decide": needs(Perm.KEEP_SUPPLIES, on="supply_request", refused=403),
    "supplies:issue": needs(Perm.KEEP_SUPPLIES, on="supply_request", refused=403),
    # community liaison and students' care
    "liaison:home": needs(Perm.LIAISON, refused=403),
    "liaison:unit": needs(Perm.LIAISON, on="unit", refused=403),
    "liaison:contact_edit": needs(Perm.LIAISON, on="community_contact"),
    "liaison:contact_deactivate": needs(Perm.LIAISON, on="community_contact"),
    "liaison:isolation": needs(Perm.LIAISON, on="isolation", refused=403),
    "liaison:handover_acknowledge": needs(Perm.LIAISON, on="handover", refused=403),
    "liaison:my_care": logged_in(only="student"),
    "liaison:care_queue": needs(Perm.STUDENT_CARE, refused=403),
    "liaison:care_take": needs(Perm.STUDENT_CARE, on="care_request", refused=403),
    "liaison:care_done": needs(Perm.STUDENT_CARE, on="care_request", refused=403),
    # the JSON API under /api/v1/ (401 without a token or a session)
    "api:openapi-json": public(),
    "api:openapi-view": public(),
    "api:api-root": nobody(),  # ninja's marker of where the API starts
    "api:checkin_create": logged_in(),
    "api:checkin_list": logged_in(),
    "api:checkin_mine_today": logged_in(given=("checkin_today",)),
    "api:ping": public(),
    "api:me": logged_in(),
    "api:people": logged_in(),
    "api:person": logged_in("person"),
    "api:units": logged_in(),
    "api:unit": logged_in("unit"),
    "api:party_orgs": logged_in(),
    "api:division_list": logged_in(),
    "api:alerts_list": logged_in(),
    "api:alert_get": logged_in("alert"),
    "api:alert_acknowledge_api": needs(Perm.HANDLE_ALERTS, on="alert"),
    "api:alert_close_api": needs(Perm.HANDLE_ALERTS, on="alert"),
    "api:daily_report_create": logged_in("unit"),
    "api:daily_report_list": logged_in("unit"),
    "api:urgent_report_create": needs(Perm.URGENT_REPORT, refused=403),
    "api:urgent_report_list": logged_in(),
    "api:urgent_report_acknowledge": logged_in("urgent_report"),
    "api:trip_create": logged_in(),
    "api:trip_list": logged_in(),
    "api:case_create": needs(Perm.TRACE, refused=403),
    "api:case_list": logged_in(),  # none for those who read no case
    "api:case_get": needs(Perm.VIEW_PEOPLE, Perm.TRACE, on="case"),
    "api:case_status": needs(Perm.TRACE, on="case", refused=(403, 404)),
    "api:contact_list": needs(Perm.VIEW_PEOPLE, Perm.TRACE, on="case"),
    "api:contact_create": needs(Perm.TRACE, on="case"),
    "api:contact_decision": needs(Perm.TRACE, on="contact"),
    "api:isolation_list": logged_in(),
    "api:isolation_create": needs(Perm.ISOLATE),
    "api:care_log_create": needs(Perm.ISOLATE, on="isolation"),  # or its carer
    "api:isolation_release": needs(Perm.ISOLATE, on="isolation"),
    "api:return_create": logged_in(),
    "api:return_list": logged_in(),
    "api:return_decide": needs(
        Perm.APPROVE_RETURN, Perm.APPROVE_RETURN_COLLEGE, on="return_application", refused=403
    ),
    "api:return_approve_clear": needs(
        Perm.APPROVE_RETURN, Perm.APPROVE_RETURN_COLLEGE, refused=403
    ),
    "api:my_pass": logged_in(),
    "api:gate_key": public(),  # browsers verify passes offline with it
    "api:gate_check_api": needs(Perm.GATE_CHECK, refused=403),
    "api:leave_list": logged_in(),
    "api:leave_create": logged_in(),
    "api:leave_decision": needs(Perm.APPROVE_LEAVE, on="leave", refused=403),
    "api:leave_withdrawal": logged_in("own_leave", refused=403),
    "api:place_list": logged_in(),  # none for those who keep or guard none
    "api:place_get": needs(Perm.GATE_CHECK, Perm.MANAGE_PLACES, on="place"),
    "api:place_pass": needs(Perm.GATE_CHECK, Perm.MANAGE_PLACES, on="place"),
    "api:visitor_list": logged_in(),
    "api:visitor_create": needs(Perm.REGISTER_VISITORS),
    "api:visitor_revoke": logged_in("visitor"),
    "api:my_notices": logged_in(),
    "api:acknowledge": logged_in("notice"),
    # accounts: one's own API tokens, single sign-on
    "tokens": logged_in(),
    "token_revoke": logged_in("api_token"),
    "cas_login": nobody(),  # while CAS_SERVER_URL is unset
    "api:my_tokens": logged_in(),
    "api:my_token_revoke": logged_in("api_token"),
    # privacy: the notice and the consent, one's own data
    "privacy:notice": public(),
    "privacy:declined": public(),
    "privacy:my_data": logged_in(),
    "privacy:my_data_download": logged_in(),
    "api:notice": logged_in(),
    "api:consent": logged_in(),
    "api:my_data": logged_in(),
    # reporting once: a member university's instance posts its daily report to the province
    "api:province_reports_receive": signed(),
    # the audit trail of a record
    "audit:person": needs(Perm.READ_AUDIT, on="person"),
    "audit:record": needs(Perm.READ_AUDIT, on=("audited", "case")),
}


def access_of(name: str) -> Access | None:
    """The entry for a URL name: its own line, else its namespace's."""
    if name in URLS:
        return URLS[name]
    namespace = name.split(":", 1)[0] if ":" in name else ""
    return NAMESPACES.get(namespace)
