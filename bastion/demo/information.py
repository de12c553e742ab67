"""Information and care for the demo university, through the real services: the leading
group's notice on the postponed semester to every student (to acknowledge) and a page of
prevention knowledge, the counselor's notice to their college; a rumour reported by a branch
secretary and one clarified by a notice; the stores of masks, thermometers, disinfectant and
protective suits, a college's request approved and issued; a college's community contacts;
a student's request for care waiting for the counselor."""

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from bastion.accounts.models import User
from bastion.demo.models import DemoAccount
from bastion.liaison.services import LiaisonRefused, care_request, contact_add
from bastion.notices.models import Notice, NoticeKind, Severity
from bastion.notices.sentiment import SentimentRefused, sentiment_clarify, sentiment_report
from bastion.notices.services import notice_publish
from bastion.org.models import Position, Unit, UnitKind
from bastion.supplies.services import (
    item_add,
    request_decide,
    stock_receive,
    store_add,
    supply_issue,
    supply_request,
)


@dataclass(frozen=True)
class InformationDemo:
    notices: int
    receipts: int
    sentiment: int
    items: int
    contacts: int


def _user(kind: str) -> User | None:
    account = DemoAccount.objects.filter(kind=kind).first()
    return User.objects.filter(username=account.username).first() if account else None


def _held_unit(user: User) -> Unit | None:
    position = (
        Position.objects.active()
        .filter(person_id=user.person_id, unit__isnull=False)
        .select_related("unit")
        .first()
    )
    return position.unit if position else None


POSTPONED = (
    "各学院、各单位：\n\n"
    "根据上级关于新型冠状病毒感染的肺炎疫情防控工作的部署，经学校研究决定，"
    "2020年春季学期推迟开学，具体返校时间另行通知。未经学校批准，学生一律不得提前返校。\n\n"
    "请同学们每日按时完成健康打卡，如实报告本人及共同居住人的健康状况和行程；"
    "出现发热、咳嗽等症状的，及时向辅导员报告并就近就医。\n\n"
    "请阅读后点击“确认已阅”。"
)
KNOWLEDGE = (
    "一、勤洗手：用洗手液或肥皂在流水下洗手，不少于20秒。\n"
    "二、戴口罩：外出、就医、乘坐公共交通时佩戴医用口罩。\n"
    "三、少聚集：不走亲访友，不参加聚会，不去人员密集的场所。\n"
    "四、常通风：室内每日开窗通风两到三次，每次不少于30分钟。\n"
    "五、测体温：每日早晚各测一次体温，体温超过37.3℃及时报告。"
)


def information_build() -> InformationDemo | None:
    if Notice.objects.exists():
        return None
    now = timezone.now()
    leader = _user("leading_group")
    counselor = _user("counselor")
    college_leader = _user("college_leader")
    secretary = _user("branch_secretary")
    keeper = _user("university_office")
    student = _user("student")
    notices = receipts = sentiment = items = contacts = 0

    if leader is not None:
        for kind, title, body, ack, audience in (
            (
                NoticeKind.POLICY,
                "关于推迟2020年春季学期开学的通知",
                POSTPONED,
                True,
                {"students": True},
            ),
            (
                NoticeKind.KNOWLEDGE,
                "新型冠状病毒感染的肺炎个人防护要点",
                KNOWLEDGE,
                False,
                {"students": True, "staff": True},
            ),
        ):
            notice = notice_publish(
                actor=leader,
                kind=kind,
                title=title,
                body=body,
                audience=audience,
                requires_ack=ack,
                now=now - dt.timedelta(hours=3),
            )
            notices += 1
            receipts += notice.receipts.count()
    if counselor is not None and (unit := _held_unit(counselor)) is not None:
        notice = notice_publish(
            actor=counselor,
            kind=NoticeKind.OFFICIAL,
            title=f"{unit.name}：请于今日12时前完成健康打卡",
            body="请尚未打卡的同学于今日12时前完成健康打卡；在外地的同学如实填写所在地。",
            audience={"units": [unit.code]},
            requires_ack=True,
            now=now - dt.timedelta(hours=1),
        )
        notices += 1
        receipts += notice.receipts.count()

    if secretary is not None:
        try:
            sentiment_report(
                actor=secretary,
                where_seen="学生微信群",
                summary="有人转发“学校宿舍楼出现确诊病例”的截图，未注明来源。",
                is_rumour=True,
                spread="两个班级群，约300人",
                severity=Severity.MEDIUM,
                now=now - dt.timedelta(hours=2),
            )
            sentiment += 1
            high = sentiment_report(
                actor=secretary,
                where_seen="微博",
                summary="“学校将于2月10日正常开学”的帖子被大量转发。",
                is_rumour=True,
                spread="转发逾千次",
                severity=Severity.HIGH,
                now=now - dt.timedelta(hours=5),
            )
            sentiment += 1
            if leader is not None:
                sentiment_clarify(
                    actor=leader,
                    report=high,
                    title="关于网传“2月10日正常开学”的说明",
                    body="网传信息不实。学校春季学期推迟开学，返校时间另行通知，请以学校官方发布为准。",
                    now=now - dt.timedelta(hours=4),
                )
                notices += 1
        except SentimentRefused:  # a small demo's secretary may hold no branch
            pass

    if keeper is not None and (office := _held_unit(keeper)) is not None:
        store = store_add(actor=keeper, name="总务仓库", unit=office)
        stocked = {}
        for name, measure, low, quantity in (
            ("医用外科口罩", "只", 500, 3000),
            ("N95口罩", "只", 100, 240),
            ("红外体温计", "支", 10, 60),
            ("84消毒液", "瓶", 50, 400),
            ("医用防护服", "套", 20, 12),
        ):
            item = item_add(actor=keeper, name=name, unit_of_measure=measure, low_stock=low)
            stock_receive(
                actor=keeper,
                store=store,
                item=item,
                quantity=quantity,
                note="学校统一采购入库",
                now=now - dt.timedelta(days=2),
            )
            stocked[name] = item
            items += 1
        hospital = Unit.objects.filter(kind=UnitKind.HOSPITAL).first()
        if hospital is not None:
            supply_issue(
                actor=keeper,
                store=store,
                item=stocked["N95口罩"],
                quantity=100,
                unit=hospital,
                note="发热门诊",
                now=now - dt.timedelta(days=1),
            )
        if college_leader is not None and (college := _held_unit(college_leader)) is not None:
            request = supply_request(
                actor=college_leader,
                unit=college,
                item=stocked["医用外科口罩"],
                quantity=400,
                purpose="值班人员和留校学生一周用量",
                now=now - dt.timedelta(hours=20),
            )
            request_decide(
                actor=keeper,
                request=request,
                approve=True,
                note="",
                now=now - dt.timedelta(hours=18),
            )
            supply_issue(
                actor=keeper,
                store=store,
                item=stocked["医用外科口罩"],
                quantity=400,
                unit=college,
                request=request,
                note="",
                now=now - dt.timedelta(hours=17),
            )
            supply_request(
                actor=college_leader,
                unit=college,
                item=stocked["84消毒液"],
                quantity=30,
                purpose="学生宿舍公共区域每日消毒",
                now=now - dt.timedelta(hours=2),
            )

    if college_leader is not None and (college := _held_unit(college_leader)) is not None:
        for kind, organization, name, phone in (
            ("street", "东湖街道办事处", "王主任", "027-87654321"),
            ("residents", "东湖社区居委会", "李书记", "027-87650001"),
            ("hospital", "区人民医院发热门诊", "值班室", "027-87659120"),
        ):
            contact_add(
                actor=college_leader,
                unit=college,
                kind=kind,
                organization=organization,
                name=name,
                phone=phone,
                division="",
                note="",
            )
            contacts += 1

    if student is not None:
        try:
            care_request(
                actor=student,
                person=student.person,
                kind="study",
                detail="在家没有教材，网课需要《高等数学》下册的电子版。",
                client_id="demo-care-1",
                now=now - dt.timedelta(hours=6),
            )
        except LiaisonRefused:  # a small demo's student may have no counselor
            pass
    return InformationDemo(notices, receipts, sentiment, items, contacts)
