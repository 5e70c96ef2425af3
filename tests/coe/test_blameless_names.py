"""People's names found through an index of their words, with the findings an alternation of
every name gives (test_blameless.py is the spec of those findings)."""

import random

import pytest

from coe import blameless
from coe.blameless import NameIndex, scan_text, scan_why_chain

# An organisation's worth of names: full name, first name and username of each person.
CROWD = [
    name for n in range(5000) for name in (f"Person{n} Surname{n}", f"Person{n}", f"user{n}")
] + ["Eli Engel", "Eli", "eengel"]
CROWD_INDEX = NameIndex(CROWD)


def phrases(text: str, people) -> list[str]:
    return [finding.phrase for finding in scan_text(text, section="summary", people=people)]


def test_a_name_in_the_text_is_found_among_thousands_of_people():
    assert phrases("Late on Friday Eli forgot the flag.", CROWD_INDEX) == ["Eli forgot"]
    assert phrases("Person4321 Surname4321 broke checkout.", CROWD_INDEX) == [
        "Person4321 Surname4321 broke"
    ]


def test_only_the_names_a_text_holds_are_tried():
    index = NameIndex(["Eli Engel", "Eli", "eengel", "Cleo Carter", "Cleo"])

    assert index.names_in("Cleo paged Eli Engel; eengel replied.") == (
        "Eli Engel",
        "eengel",
        "Cleo",
        "Eli",
    )
    # Both its words are in the text, so it is tried; the pattern decides it is not there.
    assert index.names_in("Carter paged Cleo.") == ("Cleo Carter", "Cleo")
    assert phrases("Carter forgot nothing; Cleo paged.", index) == []
    assert index.names_in("Nobody named here.") == ()


def test_a_two_word_name_is_found_across_any_spacing_and_case():
    people = NameIndex(["Morgan Mendes", "Morgan"])
    assert phrases("MORGAN \n MENDES forgot the drain.", people) == ["MORGAN \n MENDES forgot"]
    assert phrases("The outage was caused by morgan mendes.", people) == ["caused by morgan mendes"]


def test_a_two_word_name_is_not_found_from_one_of_its_words():
    people = NameIndex(["Morgan Mendes"])
    assert phrases("Mendes broke it; Morgan was away.", people) == []


def test_the_longest_of_names_that_start_alike_wins():
    people = NameIndex(["Eli", "Eli Engel", "Eli Engelbert"])
    assert phrases("Eli Engelbert forgot the flag.", people) == ["Eli Engelbert forgot"]
    assert phrases("Eli Engel forgot the flag.", people) == ["Eli Engel forgot"]
    assert phrases("It was Eli Engel's mistake.", people) == ["Eli Engel's mistake"]


def test_a_name_with_regex_metacharacters_is_matched_literally():
    people = NameIndex(["j.r+(bob)", "a|b*"])
    assert phrases("j.r+(bob) deleted the table.", people) == ["j.r+(bob) deleted"]
    assert phrases("jxr+(bob) deleted the table. jrrr(bob) deleted it.", people) == []
    assert phrases("a|b* broke the build; ab broke it too.", people) == ["a|b* broke"]


def test_a_name_of_no_letters_at_all_is_still_found():
    assert phrases("... broke the build.", NameIndex(["..."])) == ["... broke"]


@pytest.mark.parametrize(
    ("name", "text", "phrase"),
    [
        pytest.param("Zoë Ødegård", "ZOË ØDEGÅRD forgot.", "ZOË ØDEGÅRD forgot", id="accents"),
        pytest.param("Søren", "Because of søren.", "Because of søren", id="lower_case"),
        pytest.param("İsmail", "ismail mistyped it.", "ismail mistyped", id="dotted_capital_i"),
        pytest.param("Wei 王", "Wei 王 ran the script.", "Wei 王 ran", id="cjk"),
        pytest.param("Σοφία", "ΣΟΦΊΑ deleted it.", "ΣΟΦΊΑ deleted", id="greek"),
    ],
)
def test_unicode_names_are_found_in_any_case(name, text, phrase):
    assert phrases(text, NameIndex([name])) == [phrase]


def test_a_name_inside_a_longer_word_is_not_found():
    assert phrases("Elise deleted it; Elijah broke it.", NameIndex(["Eli"])) == []


def test_a_hundred_kilobytes_of_names_finds_each_one_in_order():
    rng = random.Random(13)
    people = [f"Person{rng.randrange(5000)}" for _ in range(6000)]
    text = " ".join(f"{person} forgot." for person in people)
    assert len(text) > 100_000

    assert phrases(text, CROWD_INDEX) == [f"{person} forgot" for person in people]


def test_with_no_people_only_language_is_flagged():
    for people in (NameIndex(), [], ()):
        assert phrases("Eli forgot: human error.", people) == ["human error"]
    assert scan_why_chain(["Eli ran the deploy by hand"], people=NameIndex()) == []


def test_the_index_finds_what_an_alternation_of_every_name_finds():
    """The old way, one pattern listing every name, is the reference."""
    people = ["Eli Engel", "Eli", "eengel", "Cleo Carter", "Cleo", "Al", "Ana María", "o'neil"]
    every_name = blameless._longest_first(blameless.NameIndex(people).names_in(" ".join(people)))
    reference = blameless.RULES + blameless._person_rules(every_name)
    rng = random.Random(7)
    words = [*people, "forgot", "caused", "because of", "'s mistake", "ran", "the", "and", "."]
    for _ in range(300):
        text = " ".join(rng.choice(words) for _ in range(12))
        expected = sorted(blameless._matches(text, reference), key=lambda m: (m[0], -m[1]))
        kept, covered_until = [], -1
        for start, end, _ in expected:
            if start >= covered_until:
                kept.append(text[start:end])
                covered_until = end
        assert phrases(text, people) == kept, text
