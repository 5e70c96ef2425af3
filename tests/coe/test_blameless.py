import pytest

from coe.blameless import Finding, scan_text, scan_why_chain

PEOPLE = ["Eli Engel", "Eli", "eengel", "Al"]
CHAIN_SUGGESTION = (
    "Don't stop at operators: ask why the system let this mistake cause harm, and keep asking why."
)


def phrases(text: str, people: list[str] = PEOPLE) -> list[str]:
    return [finding.phrase for finding in scan_text(text, section="summary", people=people)]


@pytest.mark.parametrize(
    ("text", "phrase"),
    [
        pytest.param("Root cause: operator error.", "operator error", id="operator_error"),
        pytest.param("The outage was caused by human error.", "human error", id="human_error"),
        pytest.param("HUMAN  ERROR, again.", "HUMAN  ERROR", id="human_error_shouted"),
        pytest.param("Classic pilot error during failover.", "pilot error", id="pilot_error"),
        pytest.param("Closed as User Error.", "User Error", id="user_error"),
        pytest.param("A careless push broke checkout.", "careless", id="careless"),
        pytest.param("The flag was flipped carelessly.", "carelessly", id="carelessly"),
        pytest.param("Carelessness let it through.", "Carelessness", id="carelessness"),
        pytest.param("The on-call should have known.", "should have known", id="should_known"),
        pytest.param(
            "Review should have caught the typo.", "should have caught", id="should_caught"
        ),
        pytest.param("They should've tested it.", "should've tested", id="should_ve_tested"),
        pytest.param(
            "He should have checked the diff.", "should have checked", id="should_checked"
        ),
        pytest.param(
            "She should have noticed the spike.", "should have noticed", id="should_noticed"
        ),
        pytest.param(
            "We should have realised sooner.", "should have realised", id="should_realised"
        ),
        pytest.param("It was the fault of the release manager.", "fault of", id="fault_of"),
        pytest.param("Honestly, it was their fault.", "their fault", id="their_fault"),
        pytest.param("The new hire is to blame.", "to blame", id="to_blame"),
        pytest.param("The database team was blamed.", "blamed", id="blamed"),
        pytest.param("That change was negligent.", "negligent", id="negligent"),
        pytest.param("Gross negligence in review.", "negligence", id="negligence"),
        pytest.param("A sloppy change to the ACL.", "sloppy", id="sloppy"),
        pytest.param("A lazy fix that skipped tests.", "lazy", id="lazy"),
        pytest.param("An incompetent rollout.", "incompetent", id="incompetent"),
        pytest.param("A stupid mistake in the query.", "stupid mistake", id="stupid_mistake"),
        pytest.param("Just a dumb mistake.", "dumb mistake", id="dumb_mistake"),
        pytest.param(
            "The engineer didn't follow the runbook.", "didn't follow the runbook", id="runbook"
        ),
        pytest.param(
            "The engineer didn\u2019t follow the procedure.",
            "didn\u2019t follow the procedure",
            id="runbook_curly_apostrophe",
        ),
        pytest.param(
            "They did not follow the deployment process.",
            "did not follow the deployment process",
            id="process",
        ),
        pytest.param(
            "The operator failed to follow it.", "failed to follow", id="failed_to_follow"
        ),
        pytest.param("He was not paying attention.", "not paying attention", id="not_paying"),
        pytest.param("She wasn't paying attention.", "wasn't paying attention", id="wasnt_paying"),
        pytest.param("A rogue engineer pushed to main.", "rogue engineer", id="rogue_engineer"),
    ],
)
def test_blaming_phrase_is_flagged_once_as_written(text, phrase):
    findings = scan_text(text, section="lessons")
    assert [(f.section, f.phrase, f.kind) for f in findings] == [("lessons", phrase, "phrase")]
    assert findings[0].suggestion


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(
            "The deployment tooling allowed an unvalidated configuration to reach production.",
            id="tooling_allowed",
        ),
        pytest.param("No alarm fired on the 5xx rate.", id="no_alarm"),
        pytest.param("The runbook did not cover failover.", id="runbook_gap"),
        pytest.param(
            "The on-call engineer followed the runbook, which was out of date.", id="followed"
        ),
        pytest.param("Error rates rose to 40%.", id="error_rates"),
        pytest.param("A human approval step was missing.", id="human_alone"),
        pytest.param("The operator console had no confirmation dialog.", id="operator_alone"),
        pytest.param(
            "The change was not tested in a staging environment that mirrors production.",
            id="not_tested",
        ),
        pytest.param("We should add a canary stage.", id="should_add"),
        pytest.param("Customers could not collect bananas for 90 minutes.", id="bananas"),
        pytest.param("User error rates rose after the form change.", id="user_error_rate"),
        pytest.param("Operator error messages were unclear.", id="operator_error_messages"),
        pytest.param("A dry run reduces the risk of human error.", id="guarding_human_error"),
        pytest.param("Nobody is to blame: the system allowed it.", id="nobody_to_blame"),
        pytest.param("It was not their fault; the tool had no dry run.", id="not_their_fault"),
        pytest.param("Through no fault of their own, users were logged out.", id="no_fault_of"),
        pytest.param("Lazy loading caused N+1 queries.", id="lazy_loading"),
        pytest.param("The on-call engineer didn't follow up on the ticket.", id="follow_up"),
        pytest.param("Blameless reviews help us learn.", id="blameless"),
    ],
)
def test_blameless_sentence_is_not_flagged(text):
    assert scan_text(text, section="summary", people=PEOPLE) == []


@pytest.mark.parametrize(
    ("text", "phrase"),
    [
        pytest.param("Eli caused the outage.", "Eli caused", id="first_name_caused"),
        pytest.param("Eli Engel forgot to drain the node.", "Eli Engel forgot", id="full_name"),
        pytest.param("Eli  Engel broke the build.", "Eli  Engel broke", id="full_name_spacing"),
        pytest.param("ELI pushed a bad config.", "ELI pushed", id="any_case"),
        pytest.param(
            "eengel accidentally deleted the table.",
            "eengel accidentally deleted",
            id="username_with_adverb",
        ),
        pytest.param("Eli ran the migration on prod.", "Eli ran", id="ran"),
        pytest.param("Eli made a mistake in the query.", "Eli made a mistake", id="made_mistake"),
        pytest.param("Eli messed up the rollout.", "Eli messed up", id="messed_up"),
        pytest.param("The cache emptied because of Eli.", "because of Eli", id="because_of"),
        pytest.param("It was Eli's mistake.", "Eli's mistake", id="possessive_mistake"),
        pytest.param("Eli Engel's fault, really.", "Eli Engel's fault", id="possessive_fault"),
        pytest.param("eengel\u2019s error.", "eengel\u2019s error", id="possessive_curly"),
    ],
)
def test_person_named_as_the_cause_is_flagged(text, phrase):
    findings = scan_text(text, section="summary", people=PEOPLE)
    assert [f.phrase for f in findings] == [phrase]
    assert findings[0].suggestion == (
        "Describe the action and the conditions, not the person: 'a deployment ran …', "
        "and ask why the system allowed it."
    )


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("Eli paged the on-call.", id="paged"),
        pytest.param("Eli rolled back the change.", id="rolled_back"),
        pytest.param("Eli Engel led the call and wrote the timeline.", id="led_the_call"),
        pytest.param("Because of Eli's quick rollback, impact was short.", id="praise"),
        pytest.param("Elise forgot nothing.", id="name_inside_a_longer_name"),
        pytest.param("Al broke the build.", id="names_shorter_than_three_are_ignored"),
    ],
)
def test_person_named_neutrally_is_not_flagged(text):
    assert scan_text(text, section="summary", people=PEOPLE) == []


def test_names_are_only_known_from_people():
    assert scan_text("Eli caused the outage.", section="summary") == []


def test_suggestions_are_specific_to_the_pattern():
    operator, known = scan_text("Operator error: he should have known.", section="summary")
    assert operator.suggestion == (
        "Say what let one action cause the outage: the missing guardrail, check or automation."
    )
    assert known.suggestion == (
        "Ask what made it hard to know: which signal, doc or alarm was missing?"
    )


def test_fingerprint_ignores_case_and_whitespace():
    loud = scan_text("OPERATOR \n  ERROR", section="summary")[0]
    quiet = scan_text("operator error", section="summary")[0]
    assert loud.phrase == "OPERATOR \n  ERROR"
    assert loud.fingerprint == quiet.fingerprint == "summary:phrase:operator error"


def test_fingerprint_separates_sections_and_kinds():
    phrase = Finding("summary", "x", "s").fingerprint
    assert phrase != Finding("lessons", "x", "s").fingerprint
    assert phrase != Finding("summary", "x", "s", kind="chain").fingerprint


def test_several_findings_come_in_text_order():
    text = (
        "Eli forgot the flag. Human error, sheer carelessness; he should have known. Human error."
    )
    assert phrases(text) == [
        "Eli forgot",
        "Human error",
        "carelessness",
        "should have known",
        "Human error",
    ]


def test_overlapping_patterns_give_one_finding():
    assert phrases("Eli made a stupid mistake.") == ["Eli made a stupid mistake"]


def test_why_chain_ending_at_a_person_is_flagged_once():
    becauses = [
        "The gateway returned 502s",
        "Its configuration had an invalid upstream",
        "The engineer forgot to run the validation script",
    ]
    assert scan_why_chain(becauses) == [
        Finding(
            section="five_whys",
            phrase="The engineer forgot to run the validation script",
            suggestion=CHAIN_SUGGESTION,
            kind="chain",
        )
    ]


def test_why_chain_ending_at_the_system_is_not_flagged():
    becauses = [
        "The gateway returned 502s",
        "Its configuration had an invalid upstream",
        "The deploy pipeline has no validation stage for gateway configuration",
    ]
    assert scan_why_chain(becauses) == []


def test_why_chain_that_passes_a_person_on_the_way_to_the_system_is_not_flagged():
    becauses = [
        "The gateway returned 502s",
        "The engineer forgot to run the validation script",
        "Validation is a manual step the pipeline does not enforce",
    ]
    assert scan_why_chain(becauses) == []


@pytest.mark.parametrize(
    "last",
    [
        pytest.param("Eli mistyped the hostname", id="named_person"),
        pytest.param("Someone ran the wrong script", id="someone"),
        pytest.param("The on-call missed the alarm", id="on_call_missed"),
        pytest.param("It came down to carelessness", id="language_finding_only"),
    ],
)
def test_why_chain_ending_at_a_mistake_is_flagged(last):
    findings = scan_why_chain(["The API failed", last], section="factor_2", people=PEOPLE)
    assert [(f.section, f.kind, f.phrase) for f in findings] == [("factor_2", "chain", last)]


def test_why_chain_finding_holds_the_last_answer_stripped():
    findings = scan_why_chain(["  The admin misread the graph.  \n"])
    assert findings[0].phrase == "The admin misread the graph."


def test_empty_why_chain_is_not_flagged():
    assert scan_why_chain([]) == []
