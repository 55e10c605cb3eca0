"""bulk_work: fewer collections within, the collector as it was after (a long-lived process keeps its own)."""

import gc

from kam_xl.bulk import FIRST_THRESHOLD, bulk_work, freeze_more


def test_within_collections_are_rarer_and_existing_objects_frozen_after_everything_is_as_before():
    before, frozen_before = gc.get_threshold(), gc.get_freeze_count()
    with bulk_work():
        assert gc.get_threshold()[0] == max(FIRST_THRESHOLD, before[0])
        assert gc.get_freeze_count() > frozen_before
        made = [[index] for index in range(1000)]
        count = gc.get_freeze_count()
        freeze_more()
        assert gc.get_freeze_count() >= count + len(made)
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == frozen_before


def test_cyclic_garbage_made_within_is_still_collected():
    class Node:
        pass

    with bulk_work():
        for _ in range(3 * FIRST_THRESHOLD):
            node = Node()
            node.self = node  # a cycle: only the collector frees it
        del node
        assert gc.collect() > 0


def test_nested_or_already_frozen_leaves_the_unfreezing_to_the_owner():
    with bulk_work():
        count = gc.get_freeze_count()
        with bulk_work():
            pass
        assert 0 < gc.get_freeze_count() <= count  # the inner one did not unfreeze
    assert gc.get_freeze_count() == 0
    gc.freeze()
    try:
        kept = gc.get_freeze_count()
        with bulk_work():
            freeze_more()  # not ours: nothing more frozen (a frozen object that is freed leaves the count)
            assert gc.get_freeze_count() <= kept
        assert 0 < gc.get_freeze_count() <= kept  # and not unfrozen either
    finally:
        gc.unfreeze()


def test_an_error_within_restores_the_collector():
    before = gc.get_threshold()
    try:
        with bulk_work():
            raise ValueError("boom")
    except ValueError:
        pass
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0


def test_two_commands_at_once_in_one_process_restore_the_collector_when_the_last_one_ends():
    """The add-in's process may run two commands in two threads: the one that ends first must not take the
    setting from the other, nor leave the raised threshold behind once both ended."""
    import threading

    before = gc.get_threshold()
    first_in, second_done = threading.Event(), threading.Event()
    seen = {}

    def first():
        with bulk_work():
            first_in.set()
            second_done.wait(10)
            seen["first, after the second ended"] = gc.get_threshold()[0]

    thread = threading.Thread(target=first)
    thread.start()
    first_in.wait(10)
    with bulk_work():
        pass
    second_done.set()
    thread.join(10)
    assert seen["first, after the second ended"] == max(FIRST_THRESHOLD, before[0])
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0
