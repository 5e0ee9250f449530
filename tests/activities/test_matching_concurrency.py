"""Two members of one group pair different cards at the same instant: both
pairs stay. Each member is a thread with its own database connection, as two
requests are; run on SQLite and on PostgreSQL (.ci/with-postgres)."""

import threading

import pytest
from django.db import close_old_connections, connection

from activities.models import MatchPair
from activities.services import SessionError
from activities.steps.matching import services
from tests.factories import MATCHING_STEP, matching_session, pair

pytestmark = pytest.mark.django_db(transaction=True)


def at_the_same_instant(*calls):
    """Run each call in its own thread, released together; re-raise errors."""
    barrier = threading.Barrier(len(calls))
    errors, results = [], [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait(timeout=10)
            results[index] = call()
        except Exception as exc:  # reported below, in the test's thread
            errors.append(exc)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=run, args=pair_) for pair_ in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    if errors:
        raise errors[0]
    return results


def test_two_members_pairing_different_cards_at_once_keep_both_pairs():
    session, people = matching_session(groups=1, per_group=2)
    ana, bo = people
    at_the_same_instant(
        lambda: pair(ana, "no-fair-trial", "art-10"),
        lambda: pair(bo, "isolation-cell", "art-5"),
    )
    assert set(MatchPair.objects.filter(group=ana.group).values_list("experience", "right")) == {
        ("no-fair-trial", "art-10"),
        ("isolation-cell", "art-5"),
    }
    session.refresh_from_db()
    assert session.version >= 3  # each change bumped the version


def test_two_members_tapping_the_same_pair_at_once_leave_one_pair():
    session, people = matching_session(groups=1, per_group=2)
    ana, bo = people
    at_the_same_instant(
        lambda: pair(ana, "arrested", "art-9"),
        lambda: pair(bo, "arrested", "art-9"),
        lambda: pair(ana, "arrested", "art-9"),
    )
    assert MatchPair.objects.filter(group=ana.group).count() == 1


def test_a_pair_racing_the_close_is_either_in_before_it_or_refused():
    session, people = matching_session(groups=1, per_group=2)
    ana = people[0]

    def try_pair():
        try:
            return pair(ana, "arrested", "art-9")
        except SessionError as exc:
            return exc

    def close():
        return services.exercise_set_closed(session=session, step_key=MATCHING_STEP, closed=True)

    paired, exercise = at_the_same_instant(try_pair, close)
    made = MatchPair.objects.filter(group=ana.group).first()
    if made is None:
        assert isinstance(paired, SessionError) and "closed" in str(paired)
    else:
        assert made.created_at <= exercise.closed_at
