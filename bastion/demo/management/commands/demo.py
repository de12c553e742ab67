"""`bastion demo`: build the demo university, or find it built, and print its demo accounts."""

import time
import unicodedata

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bastion.demo.builder import (
    MAX_PEOPLE,
    MIN_PEOPLE,
    DemoAccountRow,
    demo_accounts,
    demo_build,
    university_exists,
)
from bastion.demo.province import DAYS as PROVINCE_DAYS
from bastion.demo.province import PEOPLE as PROVINCE_PEOPLE
from bastion.demo.province import UNIVERSITIES, ProvinceRefused, province_build, province_check

HELP = gettext_lazy(
    "Build the demo university (colleges, classes, labs, offices, a hospital, Party "
    "committees and branches, grids, people and their positions), the same for the same "
    "seed, and print one demo account per role with its password. It builds only into a "
    "database without a university: with --keep-existing an existing university is left "
    "as it is and its demo accounts are printed; without it the command refuses. To start "
    "over, use a fresh database (remove var/bastion.sqlite3, or drop the PostgreSQL "
    "database) and migrate. With --province it builds a province instead: an education "
    "department above --universities universities, each built as the demo university is."
)
PEOPLE = 10000
HISTORY_DAYS = 21


class Command(BaseCommand):
    @property
    def help(self) -> str:  # argparse wants a str, read once the locale is active
        return str(HELP)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--people",
            type=int,
            default=None,
            help=_(
                "How many students and staff (default 10000; with --province 1000000, "
                "shared among the universities)."
            ),
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=2020,
            help=_("Random seed; the same seed builds the same university (default 2020)."),
        )
        parser.add_argument(
            "--history-days",
            type=int,
            default=None,
            help=_(
                "Days of check-in history to build with a new university (default 21; with "
                "--province 30; 0: none)."
            ),
        )
        parser.add_argument(
            "--province",
            action="store_true",
            help=_(
                "Build a province: an education department above several universities "
                "(PostgreSQL recommended: a million people take minutes, see docs/scale.md)."
            ),
        )
        parser.add_argument(
            "--universities",
            type=int,
            default=UNIVERSITIES,
            help=_("With --province: how many universities (default 20)."),
        )
        parser.add_argument(
            "--keep-existing",
            action="store_true",
            help=_("If a university exists, build nothing and print its demo accounts."),
        )

    def handle(
        self,
        *args,
        people: int | None,
        seed: int,
        keep_existing: bool,
        history_days: int | None,
        province: bool,
        universities: int,
        **options,
    ) -> None:
        if province:
            self._province(
                universities=universities,
                people=PROVINCE_PEOPLE if people is None else people,
                days=PROVINCE_DAYS if history_days is None else history_days,
                seed=seed,
                keep_existing=keep_existing,
            )
            return
        people = PEOPLE if people is None else people
        history_days = HISTORY_DAYS if history_days is None else history_days
        if not MIN_PEOPLE <= people <= MAX_PEOPLE:
            raise CommandError(
                _("--people must be between %(low)d and %(high)d.")
                % {"low": MIN_PEOPLE, "high": MAX_PEOPLE}
            )
        if university_exists():
            if not keep_existing:
                raise CommandError(
                    _(
                        "This database already holds a university; nothing was built. Run with "
                        "--keep-existing to keep it and print its demo accounts, or use a fresh "
                        "database."
                    )
                )
            self.stdout.write(_("A university already exists; nothing was built."))
        else:
            self.stdout.write(
                _("Building the demo university: %(people)d people, seed %(seed)d…")
                % {"people": people, "seed": seed}
            )
            result = demo_build(people=people, seed=seed, progress=self._progress)
            self.stdout.write(
                self.style.SUCCESS(
                    _(
                        "Built in %(seconds).1f s: %(units)d units, %(orgs)d Party organizations, "
                        "%(grids)d grids, %(students)d students and %(staff)d staff "
                        "(%(members)d Party members), %(accounts)d accounts, "
                        "%(positions)d positions."
                    )
                    % {
                        "seconds": result.seconds,
                        "units": result.units,
                        "orgs": result.party_orgs,
                        "grids": result.grids,
                        "students": result.students,
                        "staff": result.staff,
                        "members": result.party_members,
                        "accounts": result.accounts,
                        "positions": result.positions,
                    }
                )
            )
            if history_days > 0:
                self._history(days=history_days, seed=seed)
        self._accounts()

    def _accounts(self) -> None:
        rows = demo_accounts()
        if not rows:
            self.stdout.write(
                _("This university was not built by `bastion demo`: it has no demo accounts.")
            )
            return
        self.stdout.write("")
        self.stdout.write(_("Demo accounts (log in with the number as the user name):"))
        self.stdout.write(render_table(rows))

    def _province(
        self, *, universities: int, people: int, days: int, seed: int, keep_existing: bool
    ) -> None:
        if keep_existing and university_exists():
            self.stdout.write(_("A university already exists; nothing was built."))
            self._accounts()
            return
        try:
            province_check(universities=universities, people=people, seed=seed)
        except ProvinceRefused as refused:
            raise CommandError(str(refused)) from None
        started = time.perf_counter()
        self.stdout.write(
            _(
                "Building the demo province: %(universities)d universities, %(people)d people, "
                "seed %(seed)d…"
            )
            % {"universities": universities, "people": people, "seed": seed}
        )
        result = province_build(
            universities=universities, people=people, seed=seed, progress=self._progress
        )
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Built in %(seconds).1f s: %(universities)d universities, %(units)d units, "
                    "%(orgs)d Party organizations, %(grids)d grids, %(people)d people, "
                    "%(accounts)d accounts, %(positions)d positions."
                )
                % {
                    "seconds": result.seconds,
                    "universities": result.universities,
                    "units": result.units,
                    "orgs": result.party_orgs,
                    "grids": result.grids,
                    "people": result.people,
                    "accounts": result.accounts,
                    "positions": result.positions,
                }
            )
        )
        if days > 0:
            # The history a province's dashboards read; the single university's extras
            # (tracing, campus, Party work, notices) are left out of a province.
            self._history_only(days=days, seed=seed)
        self.stdout.write(
            self.style.SUCCESS(
                _("The province is ready in %(seconds).1f s.")
                % {"seconds": time.perf_counter() - started}
            )
        )
        self._accounts()

    def _history_only(self, *, days: int, seed: int) -> None:
        from bastion.demo.history import history_build

        self.stdout.write(_("Building %(days)d days of history…") % {"days": days})
        done = history_build(days=days, seed=seed, progress=self._progress)
        self.stdout.write(
            self.style.SUCCESS(_("History built in %(seconds).1f s.") % {"seconds": done.seconds})
        )

    def _history(self, *, days: int, seed: int) -> None:
        self._history_only(days=days, seed=seed)
        from bastion.demo.tracing import tracing_build

        traced = tracing_build(seed=seed)
        if traced is not None:
            self.stdout.write(
                _(
                    "Tracing: %(cases)d cases, %(contacts)d proposed contacts, "
                    "%(isolations)d under isolation, %(clusters)d cluster warnings."
                )
                % {
                    "cases": traced.cases,
                    "contacts": traced.contacts,
                    "isolations": traced.isolations,
                    "clusters": traced.clusters,
                }
            )
        from bastion.demo.campus import campus_build

        campus = campus_build(seed=seed)
        if campus is not None:
            self.stdout.write(
                _(
                    "Campus: %(applications)d return applications (%(approved)d approved, "
                    "%(held)d held for review), %(plans)d contingency plans."
                )
                % {
                    "applications": campus.applications,
                    "approved": campus.approved,
                    "held": campus.held,
                    "plans": campus.plans,
                }
            )
        from bastion.demo.partywork import partywork_build

        party = partywork_build()
        if party is not None:
            self.stdout.write(
                _(
                    "Party work: %(posts)d front-line post, %(shifts)d duty shifts, "
                    "%(tasks)d tasks, %(stories)d stories."
                )
                % {
                    "posts": party.posts,
                    "shifts": party.shifts,
                    "tasks": party.tasks,
                    "stories": party.stories,
                }
            )
        from bastion.demo.information import information_build

        informed = information_build()
        if informed is not None:
            self.stdout.write(
                _(
                    "Information and care: %(notices)d notices (%(receipts)d receipts), "
                    "%(sentiment)d public-sentiment reports, %(items)d supply items in store, "
                    "%(contacts)d community contacts."
                )
                % {
                    "notices": informed.notices,
                    "receipts": informed.receipts,
                    "sentiment": informed.sentiment,
                    "items": informed.items,
                    "contacts": informed.contacts,
                }
            )

    def _progress(self, line: str) -> None:
        self.stdout.write(f"  · {line}")


def _width(text: str) -> int:
    """Columns on a terminal: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def render_table(rows: list[DemoAccountRow]) -> str:
    # Bilingual on purpose: a visitor of either language finds the role to try.
    head = ["角色 Role", "账号 Login", "姓名 Name", "负责 Responsible for", "密码 Password"]
    body = [[f"{r.kind.zh} {r.kind.en}", r.username, r.name, r.duty, r.password] for r in rows]
    widths = [max(_width(str(c)) for c in col) for col in zip(head, *body, strict=True)]
    lines = [
        "  ".join(_pad(h, w) for h, w in zip(head, widths, strict=True)).rstrip(),
        "  ".join("-" * w for w in widths),
    ]
    lines += [
        "  ".join(_pad(c, w) for c, w in zip(cells, widths, strict=True)).rstrip() for cells in body
    ]
    return "\n".join(lines)
