"""Blameless language check: find words in a COE that blame people instead of systems."""

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True)
class Finding:
    section: str  # section key the text came from, e.g. "summary", "lessons", "five_whys"
    phrase: str  # the flagged words exactly as written (for a chain: the last step's text)
    suggestion: str  # what to write instead, in plain words a writer understands
    kind: str = "phrase"  # "phrase" for language, "chain" for a why-chain that stops at a person

    @property
    def fingerprint(self) -> str:
        """Stable id for storing an acknowledgement: same words, any case or spacing."""
        return f"{self.section}:{self.kind}:{' '.join(self.phrase.lower().split())}"


@dataclass(frozen=True)
class _Rule:
    pattern: re.Pattern[str]
    suggestion: str
    # The match is not blame when the words just before it match this (e.g. "nobody is to blame").
    unless_after: re.Pattern[str] | None = None


def _compile(regex: str) -> re.Pattern[str]:
    return re.compile(regex, re.IGNORECASE)


def _rule(regex: str, suggestion: str, unless_after: re.Pattern[str] | None = None) -> _Rule:
    return _Rule(_compile(regex), suggestion, unless_after)


NAMED_PERSON_SUGGESTION = (
    "Describe the action and the conditions, not the person: 'a deployment ran …', "
    "and ask why the system allowed it."
)
CHAIN_SUGGESTION = (
    "Don't stop at operators: ask why the system let this mistake cause harm, and keep asking why."
)
OPERATOR_ERROR_SUGGESTION = (
    "Say what let one action cause the outage: the missing guardrail, check or automation."
)
HUMAN_ERROR_SUGGESTION = (
    "Name the missing safeguard instead: which check, automation or design would have stopped "
    "the mistake from causing harm?"
)
USER_ERROR_SUGGESTION = (
    "Say what in the product let a user's action cause harm: an unclear screen, a missing "
    "validation or a missing limit."
)
CARELESS_SUGGESTION = (
    "Describe what happened and what made the mistake easy to make: unclear tooling, time "
    "pressure, missing checks."
)
SHOULD_HAVE_KNOWN_SUGGESTION = (
    "Ask what made it hard to know: which signal, doc or alarm was missing?"
)
SHOULD_HAVE_CAUGHT_SUGGESTION = (
    "Ask what made it hard to catch: which test, check, review step or alarm was missing?"
)
FAULT_SUGGESTION = (
    "Drop the fault-finding: describe the conditions that allowed the failure and what would "
    "have stopped it."
)
JUDGEMENT_SUGGESTION = (
    "Leave out judgements of people; describe the action, what the person knew at the time, "
    "and why it seemed reasonable."
)
RUNBOOK_SUGGESTION = (
    "Ask why the process wasn't followed: was it hard to find, out of date, slow or unclear? "
    "Could a tool enforce it?"
)
ATTENTION_SUGGESTION = (
    "Ask what the person was dealing with and which signal failed to stand out: noisy alarms, "
    "a busy dashboard, fatigue?"
)
ROGUE_SUGGESTION = (
    "Describe the change and the missing control that let one person make it alone: review, "
    "approval or permissions."
)
TYPO_SUGGESTION = (
    "Say what let a typo reach production: a missing validation, confirmation or dry run."
)

NOT_A_METRIC = r"(?!\s+(?:rate|message|code|page|log|budget|count|handler|handling)s?\b)"
NEGATED = _compile(
    r"(?:\bnot|n['\u2019]t|\bnever|\bnobody|\bno[- ]one)(?:\s+(?:is|was|were|be|been))?\s+$"
)
# "reduce the chance of human error" talks about guarding against mistakes, not about a cause.
PREVENTION = _compile(
    r"(?:\bprevent\w*|\breduc\w*|\bavoid\w*|\beliminat\w*|\bminimi[sz]\w*|\bagainst|"
    r"\btolera\w*|\bresilien\w*|\brobust|\bprone\s+to|"
    r"\b(?:risk|chance|possibility|likelihood|room)\s+(?:of|for))\s+(?:[\w-]+\s+){0,2}$"
)
NO_FAULT = _compile(r"\b(?:no|a)\s+$")

RULES: tuple[_Rule, ...] = (
    _rule(
        rf"\b(?:operator|pilot)\s+errors?\b{NOT_A_METRIC}", OPERATOR_ERROR_SUGGESTION, PREVENTION
    ),
    _rule(rf"\bhuman\s+errors?\b{NOT_A_METRIC}", HUMAN_ERROR_SUGGESTION, PREVENTION),
    _rule(rf"\buser\s+errors?\b{NOT_A_METRIC}", USER_ERROR_SUGGESTION, PREVENTION),
    _rule(r"\bcareless(?:ly|ness)?\b", CARELESS_SUGGESTION),
    _rule(r"\b(?:should\s+have|should['\u2019]ve)\s+known\b", SHOULD_HAVE_KNOWN_SUGGESTION),
    _rule(
        r"\b(?:should\s+have|should['\u2019]ve)\s+(?:caught|checked|double-checked|noticed|tested|"
        r"seen|spotted|realised|realized|verified)\b",
        SHOULD_HAVE_CAUGHT_SUGGESTION,
    ),
    _rule(r"\bfault\s+of\b", FAULT_SUGGESTION, NO_FAULT),
    _rule(r"\b(?:his|her|their|my|your|our)\s+fault\b", FAULT_SUGGESTION, NEGATED),
    _rule(
        r"\b(?:engineer|operator|developer|on-?call|admin|administrator)['\u2019]s\s+"
        r"(?:fault|mistake)s?\b",
        FAULT_SUGGESTION,
    ),
    _rule(r"\bto\s+blame\b", FAULT_SUGGESTION, NEGATED),
    _rule(r"\bblamed\b", FAULT_SUGGESTION, NEGATED),
    _rule(r"\bnegligen(?:t|tly|ce)\b", JUDGEMENT_SUGGESTION),
    _rule(r"\b(?:sloppy|sloppiness|laziness|incompeten(?:t|ce))\b", JUDGEMENT_SUGGESTION),
    # "lazy loading" and friends are techniques, not judgements.
    _rule(r"\blazy\b(?![- ]?(?:load|eval|init|import|fetch|compil|render))", JUDGEMENT_SUGGESTION),
    _rule(r"\b(?:stupid|dumb)\s+(?:mistake|error|move)s?\b", JUDGEMENT_SUGGESTION),
    _rule(
        r"\b(?:did\s+not|didn['\u2019]t)\s+follow\s+(?:(?:the|our|a|this|that)\s+)?(?!up\b)"
        r"(?:[\w-]+\s+)?(?:runbook|process|procedure|playbook|checklist|instructions?)s?\b",
        RUNBOOK_SUGGESTION,
    ),
    _rule(r"\bfailed\s+to\s+follow\b", RUNBOOK_SUGGESTION),
    _rule(
        r"\b(?:(?:not|(?:was|were|is|are)n['\u2019]t)\s+paying|(?:did\s+not|didn['\u2019]t)\s+pay)\s+"
        r"attention\b",
        ATTENTION_SUGGESTION,
    ),
    _rule(r"\brogue\s+(?:engineer|developer|operator|admin|employee)s?\b", ROGUE_SUGGESTION),
    _rule(r"\bfat[- ]?finger(?:ed|ing|s)?\b", TYPO_SUGGESTION),
)

# {name} is an alternation of the names a text holds (NameIndex.names_in), longest first.
PERSON_AS_CAUSE_TEMPLATES = (
    r"(?<!\w)(?:{name})(?:\s+(?:accidentally|mistakenly|inadvertently|just|then|also))?\s+"
    r"(?:caused|broke|forgot|missed|deleted|pushed|ran|typed|mistyped|fat-fingered|overlooked|"
    r"made\s+an?\s+(?:[\w-]+\s+)?(?:mistake|error|typo)|messed\s+up|screwed\s+up)\b" + NOT_A_METRIC,
    r"\b(?:because\s+of|due\s+to|caused\s+by)\s+(?:{name})(?!\w)(?!['\u2019]s)",
    r"(?<!\w)(?:{name})['\u2019]s\s+(?:mistake|error|fault|typo|blunder|oversight)s?\b",
)
MIN_NAME_LENGTH = 3

PERSON_TERM = _compile(
    r"\b(?:engineers?|operators?|developers?|devs?|on-?call(?:ers?)?|admins?|administrators?|"
    r"someone|somebody|a\s+person|the\s+team|he|she|they)\b"
)
MISTAKE_TERM = _compile(
    rf"\b(?:forgot|forgotten|missed|mistakes?|errors?{NOT_A_METRIC}|typos?|mistyped|accidentally|"
    r"careless|didn['\u2019]t\s+check|did\s+not\s+check|failed\s+to|wrong|overlooked|misread)\b"
)


def _longest_first(names: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted(names, key=lambda name: (-len(name), name)))  # longest name wins


WORD = re.compile(r"\w+")


def _fold(word: str) -> str:
    """A word's case-blind key, no finer than re.IGNORECASE."""
    if word.isascii():
        return word.lower()
    return word.casefold().replace("\u0307", "").replace("\u0131", "i")


class NameIndex:
    """People's names, looked up by their words, so a text is searched for the few names it
    holds instead of an alternation of every name.

    A name the person-as-cause patterns match starts and ends at word boundaries, so each of
    its words is a whole word of the text: a name whose words are not all in the text can't
    match, and leaving it out of the patterns changes no finding.
    """

    def __init__(self, people: Iterable[str] = ()):
        self._by_first_word: dict[str, list[tuple[str, frozenset[str]]]] = {}
        self._wordless: list[str] = []  # e.g. a username of dots: tried on every text
        usable = {" ".join(name.split()) for name in people if name}
        usable = {name for name in usable if len(name) >= MIN_NAME_LENGTH}
        for name in usable:
            words = [_fold(word) for word in WORD.findall(name)]
            if words:
                self._by_first_word.setdefault(words[0], []).append((name, frozenset(words)))
            else:
                self._wordless.append(name)
        self.size = len(usable)

    def __len__(self) -> int:
        return self.size

    def names_in(self, text: str) -> tuple[str, ...]:
        """The names that may occur in `text`, longest first: in time linear in the text."""
        if not self.size:
            return ()
        words = {_fold(word) for word in set(WORD.findall(text))}
        found = [
            name
            for word in words
            for name, needed in self._by_first_word.get(word, ())
            if needed <= words
        ]
        return _longest_first([*found, *self._wordless])


@lru_cache(maxsize=4)
def _index_of(people: frozenset[str]) -> NameIndex:
    return NameIndex(people)


def name_index(people: NameIndex | Iterable[str]) -> NameIndex:
    """The index of `people`, built once per distinct set of names (per process)."""
    if isinstance(people, NameIndex):
        return people
    return _index_of(frozenset(people))


@lru_cache(maxsize=256)
def _name_alternation(names: tuple[str, ...]) -> str:
    return "|".join(r"\s+".join(map(re.escape, name.split())) for name in names)


@lru_cache(maxsize=256)
def _person_rules(names: tuple[str, ...]) -> tuple[_Rule, ...]:
    if not names:
        return ()
    alternation = _name_alternation(names)
    return tuple(
        _rule(template.replace("{name}", alternation), NAMED_PERSON_SUGGESTION)
        for template in PERSON_AS_CAUSE_TEMPLATES
    )


@lru_cache(maxsize=256)
def _name_mention(names: tuple[str, ...]) -> re.Pattern[str] | None:
    return _compile(rf"(?<!\w)(?:{_name_alternation(names)})(?!\w)") if names else None


def _is_excused(rule: _Rule, text: str, start: int) -> bool:
    return rule.unless_after is not None and bool(rule.unless_after.search(text[:start][-60:]))


def _matches(text: str, rules: Iterable[_Rule]) -> list[tuple[int, int, str]]:
    return [
        (match.start(), match.end(), rule.suggestion)
        for rule in rules
        for match in rule.pattern.finditer(text)
        if not _is_excused(rule, text, match.start())
    ]


def scan_text(text: str, *, section: str, people: NameIndex | Iterable[str] = ()) -> list[Finding]:
    """Flag blaming words and people named as a cause, once per place, in text order."""
    rules = RULES + _person_rules(name_index(people).names_in(text))
    findings: list[Finding] = []
    covered_until = -1
    for start, end, suggestion in sorted(_matches(text, rules), key=lambda m: (m[0], -m[1])):
        if start >= covered_until:  # overlapping matches describe the same words: keep the first
            findings.append(Finding(section, text[start:end], suggestion))
            covered_until = end
    return findings


def _blames_a_person(answer: str, people: NameIndex) -> bool:
    mention = _name_mention(people.names_in(answer))
    mentions_person = PERSON_TERM.search(answer) or (mention and mention.search(answer))
    if mentions_person and MISTAKE_TERM.search(answer):
        return True
    return bool(scan_text(answer, section="", people=people))


def scan_why_chain(
    becauses: Sequence[str],
    *,
    section: str = "five_whys",
    people: NameIndex | Iterable[str] = (),
) -> list[Finding]:
    """Flag a why-chain whose last answer stops at a person's mistake instead of the system."""
    answers = [answer.strip() for answer in becauses if answer and answer.strip()]
    if not answers or not _blames_a_person(answers[-1], name_index(people)):
        return []
    return [Finding(section, answers[-1], CHAIN_SUGGESTION, kind="chain")]
