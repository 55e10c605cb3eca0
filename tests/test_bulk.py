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
        assert gc.get_freeze_count() == count  # the inner one did not unfreeze
    assert gc.get_freeze_count() == 0
    gc.freeze()
    try:
        kept = gc.get_freeze_count()
        with bulk_work():
            freeze_more()  # not ours: nothing more frozen
            assert gc.get_freeze_count() == kept
        assert gc.get_freeze_count() == kept
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
