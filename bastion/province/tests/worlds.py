"""What the loopback test runs inside the province's own database (through Scratch.call)."""

import datetime as dt


def province_world(member: str, key: str) -> str:
    """省教育厅 with the university as a member under `key`, and a campaign that began
    yesterday; the member unit's code."""
    from bastion.lib.days import business_day
    from bastion.province.tests.conftest import build_province

    province = build_province(
        member=member, key=key, starts_on=business_day() - dt.timedelta(days=1)
    )
    return province.university.code
