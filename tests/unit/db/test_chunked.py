"""db/chunked.py: lists and streams cut into statements' worth."""

from ztoq_luigi.db.chunked import CHUNK, chunks


def test_a_stream_is_cut_as_it_comes_without_being_held_whole():
    taken = []

    def stream():
        for n in range(2 * CHUNK + 1):
            taken.append(n)
            yield n

    cut = chunks(stream())
    assert next(cut) == list(range(CHUNK))
    assert len(taken) == CHUNK, "the stream is read as far as the chunk, no further"
    assert [len(chunk) for chunk in cut] == [CHUNK, 1]


def test_a_list_is_cut_into_lists_of_the_size_asked():
    assert list(chunks("abcde", size=2)) == [["a", "b"], ["c", "d"], ["e"]]
    assert list(chunks([])) == []
