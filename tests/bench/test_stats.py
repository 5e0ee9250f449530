"""The bench's arithmetic: nearest-rank percentiles and the lost-write check."""

import pytest

from bench.stats import check_writes, percentile, summary


class TestPercentile:
    def test_nearest_rank_never_invents_a_value(self):
        values = [0.010, 0.020, 0.030, 0.040]
        assert percentile(values, 50) == 0.020
        assert percentile(values, 75) == 0.030
        assert percentile(values, 95) == 0.040
        assert percentile(values, 100) == 0.040

    def test_the_p95_of_a_hundred_is_the_ninety_fifth(self):
        values = list(range(100, 0, -1))  # order does not matter
        assert percentile(values, 95) == 95
        assert percentile(values, 50) == 50
        assert percentile(values, 0) == 1

    def test_one_value_is_every_percentile(self):
        assert percentile([7], 1) == percentile([7], 99) == 7

    def test_nothing_measured_is_none_not_zero(self):
        assert percentile([], 95) is None
        assert summary([]) == {"count": 0, "median": None, "p95": None, "max": None}

    @pytest.mark.parametrize("p", [-1, 101])
    def test_a_percentile_outside_0_100_is_refused(self, p):
        with pytest.raises(ValueError):
            percentile([1, 2], p)

    def test_summary(self):
        values = [5, 1, 4, 2, 3] * 20
        assert summary(values) == {"count": 100, "median": 3, "p95": 5, "max": 5}


class TestSetWrites:
    def test_every_acknowledged_write_stored_once_is_clean(self):
        acked = [("a", "a"), ("b", "b")]
        stored = {"a": ["a"], "b": ["b"]}
        assert check_writes(acked, stored, mode="set") == {
            "acked": 2,
            "lost": 0,
            "duplicated": 0,
            "unacknowledged": 0,
        }

    def test_an_acknowledged_write_missing_is_lost(self):
        result = check_writes([("a", "x"), ("b", "y")], {"a": ["x"]}, mode="set")
        assert result["lost"] == 1 and result["duplicated"] == 0

    def test_a_write_stored_twice_is_duplicated(self):
        result = check_writes([("pair", "1-2")], {"pair": ["1-2", "1-2"]}, mode="set")
        assert result["duplicated"] == 1 and result["lost"] == 0

    def test_a_stored_value_that_differs_is_lost_and_unacknowledged(self):
        result = check_writes([("a", "x")], {"a": ["z"]}, mode="set")
        assert result["lost"] == 1
        assert result["unacknowledged"] == 1

    def test_a_write_whose_answer_was_lost_is_not_an_error(self):
        result = check_writes([], {"late": ["late"]}, mode="set")
        assert result == {"acked": 0, "lost": 0, "duplicated": 0, "unacknowledged": 1}

    def test_the_same_write_acknowledged_twice_must_be_stored_twice(self):
        assert check_writes([("a", "x")] * 2, {"a": ["x"]}, mode="set")["lost"] == 1


class TestLastWrites:
    def test_the_last_acknowledged_draft_is_what_counts(self):
        acked = [("ana", "draft 1"), ("ana", "draft 2"), ("ben", "hello")]
        stored = {"ana": ["draft 2"], "ben": ["hello"]}
        result = check_writes(acked, stored, mode="last")
        assert result["lost"] == 0 and result["duplicated"] == 0

    def test_an_older_draft_stored_means_the_last_was_lost(self):
        acked = [("ana", "draft 1"), ("ana", "draft 2")]
        assert check_writes(acked, {"ana": ["draft 1"]}, mode="last")["lost"] == 1

    def test_no_draft_stored_is_lost(self):
        assert check_writes([("ana", "x")], {}, mode="last")["lost"] == 1

    def test_two_rows_for_one_key_is_duplicated(self):
        result = check_writes([("ana", "x")], {"ana": ["y", "x"]}, mode="last")
        assert result["duplicated"] == 1 and result["lost"] == 0

    def test_an_unknown_mode_is_refused(self):
        with pytest.raises(ValueError):
            check_writes([], {}, mode="sum")


class TestDraftRevisions:
    """Autosaved drafts: (revision, text), the last acknowledged one must be held."""

    def test_the_last_acknowledged_revision_is_held(self):
        acked = [("k1", (1, "Dear")), ("k1", (2, "Dear Minister")), ("k2", (5, "Hello"))]
        stored = {"k1": [[2, "Dear Minister"]], "k2": [[5, "Hello"]]}  # as JSON reads it
        assert check_writes(acked, stored, mode="revision") == {
            "acked": 3,
            "lost": 0,
            "duplicated": 0,
            "unacknowledged": 0,
        }

    def test_an_older_revision_held_is_a_lost_save(self):
        acked = [("k1", (1, "Dear")), ("k1", (2, "Dear Minister"))]
        assert check_writes(acked, {"k1": [[1, "Dear"]]}, mode="revision")["lost"] == 1

    def test_other_text_at_the_same_revision_is_lost(self):
        result = check_writes(
            [("k1", (2, "Dear Minister"))], {"k1": [[2, "Dear"]]}, mode="revision"
        )
        assert result["lost"] == 1

    def test_a_later_save_whose_answer_never_came_is_not_an_error(self):
        result = check_writes([("k1", (2, "Dear"))], {"k1": [[3, "Dear M"]]}, mode="revision")
        assert result == {"acked": 1, "lost": 0, "duplicated": 0, "unacknowledged": 1}

    def test_no_draft_held_is_lost_and_two_are_duplicated(self):
        assert check_writes([("k1", (1, "a"))], {}, mode="revision")["lost"] == 1
        two = check_writes([("k1", (1, "a"))], {"k1": [[1, "a"], [1, "a"]]}, mode="revision")
        assert two["duplicated"] == 1

    def test_a_difference_after_a_timed_out_save_is_unknown_not_lost(self):
        acked = [("k1", (2, "Dear"))]
        result = check_writes(acked, {}, mode="revision", uncertain={"k1"})
        assert (result["lost"], result["unacknowledged"]) == (0, 1)


class TestPairsMadeAndUndone:
    """Pairs: True made, False undone; made ones exist once, undone ones are gone."""

    def test_made_pairs_exist_once_and_undone_ones_are_gone(self):
        acked = [("g1:a:r1", True), ("g1:a:r2", True), ("g1:a:r1", False)]
        result = check_writes(acked, {"g1:a:r2": [True]}, mode="toggle")
        assert result == {"acked": 3, "lost": 0, "duplicated": 0, "unacknowledged": 0}

    def test_an_acknowledged_pair_missing_is_lost(self):
        assert check_writes([("g1:a:r1", True)], {}, mode="toggle")["lost"] == 1

    def test_an_acknowledged_undo_still_there_is_lost(self):
        acked = [("g1:a:r1", True), ("g1:a:r1", False)]
        assert check_writes(acked, {"g1:a:r1": [True]}, mode="toggle")["lost"] == 1

    def test_a_pair_stored_twice_is_duplicated(self):
        result = check_writes([("g1:a:r1", True)], {"g1:a:r1": [True, True]}, mode="toggle")
        assert (result["duplicated"], result["lost"]) == (1, 0)

    def test_a_pair_nobody_acknowledged_is_unacknowledged(self):
        result = check_writes([], {"g1:a:r1": [True]}, mode="toggle")
        assert result["unacknowledged"] == 1 and result["lost"] == 0

    def test_an_undo_that_timed_out_leaves_the_pair_uncertain(self):
        acked = [("g1:a:r1", True)]
        result = check_writes(acked, {}, mode="toggle", uncertain={"g1:a:r1"})
        assert (result["lost"], result["unacknowledged"]) == (0, 1)
