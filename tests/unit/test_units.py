from ztoq_luigi.services.units import window_limit, windows


def test_a_batch_is_cut_into_windows_of_at_most_the_limit():
    rows = {10: 40, 11: 40, 12: 40, 14: 10}
    assert list(windows((10, 20), rows, limit=100)) == [(10, 12), (12, 20)]


def test_a_unit_larger_than_the_limit_is_a_window_of_its_own_and_never_split():
    rows = {0: 30, 1: 500, 2: 30}
    assert list(windows((0, 3), rows, limit=100)) == [(0, 1), (1, 2), (2, 3)]


def test_every_row_of_the_batch_is_in_exactly_one_window():
    rows = {n: (n * 7) % 13 + 1 for n in range(50, 100)}
    cut = list(windows((50, 100), rows, limit=25))
    assert cut[0][0] == 50 and cut[-1][1] == 100
    assert all(a[1] == b[0] for a, b in zip(cut, cut[1:]))
    assert all(sum(rows[n] for n in range(start, stop)) <= 25 for start, stop in cut)


def test_an_empty_batch_has_no_window():
    assert list(windows((0, 50), {})) == []


def test_windows_shrink_as_more_batches_run_at_once_so_they_hold_about_the_same_together():
    assert [window_limit(workers) for workers in (1, 4, 8, 16, 1000)] == [100, 100, 50, 25, 1]
