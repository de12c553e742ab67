"""The worker's Party-work jobs run and are idempotent."""

import pytest

from bastion.partywork.models import WorkReport
from bastion.partywork.tasks import shifts_missed_tick, work_reports_weekly

pytestmark = pytest.mark.django_db


def test_the_weekly_drafts_are_made_once_per_committee(party):
    first = work_reports_weekly.call_local()
    again = work_reports_weekly.call_local()
    assert first >= 2 and again == first  # 医学院党委 and 计算机学院党委
    assert WorkReport.objects.count() == first


def test_missed_shifts_are_marked(party):
    assert shifts_missed_tick.call_local() == 0
