"""The chain of responsibility that alerts and reports climb."""

from bastion.org.responsibility import chain, chain_for_person, owner_for


def names(levels) -> list[list[str]]:
    return [[p.name for p in level.people] for level in levels]


def test_a_students_chain_runs_grid_worker_counselor_secretary_college_leader(world):
    assert names(chain_for_person(world.student)) == [["刘洋"], ["陈静"], ["孙丽"], ["周伟"]]


def test_a_grid_worker_never_owns_their_own_alerts(world):
    assert owner_for(world.grid_worker) == world.counselor
    assert owner_for(world.student) == world.grid_worker


def test_a_lab_member_answers_to_the_lab_head_then_the_college(world):
    assert names(chain_for_person(world.staff)) == [["冯涛"], ["周伟"]]


def test_the_level_above_a_college_leaves_out_the_college_itself(world):
    assert names(chain(unit=world.med, above_unit=True)) == []
    assert names(chain(unit=world.med_class, above_unit=True)) == [["孙丽"], ["周伟"]]


def test_a_chain_takes_one_query(world, django_assert_num_queries):
    with django_assert_num_queries(1):
        chain_for_person(world.student)


def test_the_chains_of_many_people_at_once_are_their_own_chains(world, django_assert_num_queries):
    """alerts.services.Owners works out everyone's chain in a few queries, with the same
    answer as chain_for_person for each."""
    from bastion.alerts.services import Owners
    from bastion.org.models import Person

    people = list(Person.objects.all())
    owners = Owners(day=None)
    owners.preload(pairs=[])  # nothing to do, no query
    with django_assert_num_queries(3):  # the units, their positions, the grids' workers
        owners.preload(pairs={(p.unit_id, p.grid_id) for p in people})
    for person in people:
        expected = [list(level.people) for level in chain_for_person(person)]
        expected = [[p for p in level if p.pk != person.pk] for level in expected]
        expected = [level for level in expected if level]
        got = owners.levels(person_id=person.pk, unit_id=person.unit_id, grid_id=person.grid_id)
        assert got == expected, person.name
