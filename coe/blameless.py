"""Blameless language check: find words in a COE that blame people instead of systems."""

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple


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

    `services` are the names of the organisation's services: their words ("Phoenix", "Front
    Door") are never taken for a person without an account.
    """

    def __init__(self, people: Iterable[str] = (), services: Iterable[str] = ()):
        self.service_words = frozenset(
            _fold(word) for service in services for word in WORD.findall(service)
        )
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
def _index_of(people: frozenset[str], services: frozenset[str]) -> NameIndex:
    return NameIndex(people, services)


def name_index(people: NameIndex | Iterable[str], services: Iterable[str] = ()) -> NameIndex:
    """The index of `people` (and `services`), built once per distinct set of names (per
    process)."""
    if isinstance(people, NameIndex):
        return people
    return _index_of(frozenset(people), frozenset(services))


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


# People without accounts: a sentence whose subject is a person and whose verb is a mistake
# ("Bob forgot to renew the certificate", "the on-call engineer failed to drain the node").
# Each sentence is read as tokens, each looked at a bounded number of times: linear in the text.

PERSON_SUBJECT_SUGGESTION = (
    "Describe what the system allowed, not what a person did wrong: which check, guardrail or "
    "signal was missing, and why did the action seem reasonable at the time?"
)


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Quoted words (an error message, a log line) are someone else's: blanked before reading. No
# body admits its own opening mark, so an unclosed quote is read once, not once per mark.
QUOTED = re.compile(r'"[^"\n]*"|\u201c[^\u201c\u201d\n]*\u201d|`[^`\n]*`')
SENTENCE_END = re.compile(r"[.!?](?=\s|$)|\n")
TOKEN = re.compile(r"[^\W_]+(?:['\u2019-][^\W_]+)*|[,;:()\[\]\u2013\u2014]+")

# Who does things. A capitalised role word after a capitalised word is a product ("Certificate
# Manager", "the Kubernetes operator"); acronyms are roles only in capitals.
ROLES = _words(
    """
    engineer engineers operator operators developer developers dev devs admin admins
    administrator administrators sysadmin on-call oncall on-caller on-callers oncaller
    intern interns contractor contractors reviewer reviewers approver deployer deployers
    manager lead hire hires person someone somebody responder responders teammate colleague
    technician analyst employee staffer team
    """
)
ROLE_ACRONYMS = frozenset({"DBA", "DBAs", "SRE", "SREs", "SDE", "SDEs", "TAM"})
PRONOUNS = frozenset({"he", "she"})  # "they" only when it opens a sentence: often it is a thing
DETERMINERS = _words("the a an our their his her my your this that one another every each some")
PREPOSITIONS = _words(
    "to from by for of with about on in into at via than like against after before"
)
# May stand between a subject and its verb: "Bob then accidentally ran", "the SRE on call forgot".
BETWEEN = _words(
    """
    also then just simply still again later apparently initially previously already probably
    clearly obviously had has have on call himself herself themselves alone once first
    """
)
MAX_BETWEEN = 3

# Capitalised words that open sentences or name things, never people.
NOT_NAMES = _words(
    """
    the a an our their his her its my your this that these those there here it we you they
    after before during when while because since although though if then so but and or nor
    nobody nothing everyone everybody everything anyone anything no none all both each every
    some many most few one two three at on in by for from to with without as once until unless
    why what which who whom how where however also still again finally initially eventually
    first next last only even just instead overall meanwhile later earlier today yesterday
    tonight customers users people config configuration failover rollback traffic capacity code
    review canary backup automation support security
    """
)
# Well-known services and technologies, and the words systems are named with.
SYSTEM_WORDS = _words(
    """
    aws lambda aurora athena dynamodb cloudwatch cloudfront cloudtrail route53 kinesis redshift
    sagemaker fargate beanstalk glacier cognito eventbridge sns sqs ec2 ecs eks rds iam s3 elb
    kafka jenkins redis memcached postgres postgresql mysql mariadb mongodb mongo cassandra
    elasticsearch opensearch kibana logstash grafana prometheus alertmanager datadog splunk
    sentry pagerduty opsgenie jira confluence slack github gitlab bitbucket terraform ansible
    puppet chef kubernetes docker helm istio envoy nginx haproxy apache tomcat zookeeper consul
    vault nomad spinnaker argo argocd flux celery rabbitmq nats pulsar flink spark hadoop hive
    presto trino airflow snowflake bigquery spanner firestore firebase heroku cloudflare akamai
    fastly stripe twilio okta hermes atlas jaeger zipkin linux windows ubuntu debian python java
    django rails react git chrome safari firefox android ios azure gcp google amazon microsoft
    oracle cron systemd ceph minio etcd calico cilium karpenter
    service services gateway api proxy router worker workers queue cache scheduler pipeline
    cluster database server console dashboard monitor platform engine controller agent balancer
    bot job task stack portal app client handler store indexer publisher consumer aggregator
    validator renderer orchestrator distributor collector crawler daemon
    """
)
# Endings of common nouns that open sentences ("Monitoring", "Replication", "Alerts").
NOUN_ENDINGS = (
    *("tion", "sion", "ment", "ness", "ism"),
    *("ies", "ers", "des", "hes", "ts", "ms", "ps", "ks", "ds", "gs", "bs"),  # "Orders", "Nodes"
)
LONG_NOUN_ENDINGS = ("ing", "age")  # only on words of 7 letters or more: "Ling" is a name
LONG_NOUN = 7
MAX_NAME_CHARS = 40
MAX_NAME_WORDS = 3

CHECK_VERBS = _words(
    """
    check notice test verify read review look realise realize see confirm validate double-check
    wait escalate think bother update
    """
)
PAST_CHECK_VERBS = _words(
    """
    checked noticed tested verified read reviewed looked realised realized confirmed validated
    double-checked escalated
    """
)
NOT_PAYING_ATTENTION = (("paying", "attention"), ("careful",), ("watching",))
# Mistake wording that follows its subject: first word -> the words that must come next.
MISTAKE_WORDS: dict[str, tuple[tuple[str, ...], ...]] = {
    **dict.fromkeys(
        _words(
            """
        forgot forgotten neglected overlooked ignored misread mistyped mis-typed misconfigured
        misjudged misunderstood misinterpreted misclicked mislabeled mislabelled miskeyed
        fat-fingered fatfingered skipped missed accidentally mistakenly inadvertently
        carelessly wrongly incorrectly unintentionally should've
        """
        ),
        ((),),
    ),
    "should\u2019ve": ((),),
    "failed": (("to",),),
    "fat": (("fingered",),),
    "should": (("have",),),
    "ought": (("to", "have"),),
    "made": (("a", "mistake"), ("an", "error"), ("a", "typo"), ("mistakes",), ("an", "oversight")),
    "messed": (("up",),),
    "screwed": (("up",),),
    "dropped": (("the", "ball"),),
    "did": tuple(("not", verb) for verb in CHECK_VERBS),
    "didn't": tuple((verb,) for verb in CHECK_VERBS),
    "didn\u2019t": tuple((verb,) for verb in CHECK_VERBS),
    "never": tuple((verb,) for verb in PAST_CHECK_VERBS),
    "wasn't": NOT_PAYING_ATTENTION,
    "wasn\u2019t": NOT_PAYING_ATTENTION,
    "was": tuple(("not", *rest) for rest in NOT_PAYING_ATTENTION),
}
# "forgot nothing", "should have been paged": not a mistake of the subject's.
NOT_A_MISTAKE_AFTER = frozenset({"nothing", "none", "been"})
# "should have rolled back" is a judgement; "should have access" is a need.
NEEDS_A_PARTICIPLE = frozenset({"have", "should've", "should\u2019ve"})
IRREGULAR_PARTICIPLES = _words("run done caught gone put set read hit cut shut let")
# Wording that ends a clause whose subject did something: "Priya ran the script by mistake".
TRAILING_MISTAKES: dict[str, tuple[tuple[str, ...], ...]] = {
    "by": (("mistake",), ("accident",)),
    "in": (("error",),),
    "without": tuple(
        (verb,)
        for verb in _words(
            """
        checking testing reviewing verifying reading looking confirming asking telling waiting
        validating double-checking
        """
        )
    ),
    **dict.fromkeys(_words("accidentally mistakenly inadvertently carelessly"), ((),)),
}
MAX_CLAUSE = 15  # how far back a trailing "by mistake" looks for its subject
MAX_RELATIVE = 6  # "the engineer who made the change did not check": words after "who"
MAX_PHRASE_CHARS = 200
CLAUSE_WORDS = _words(
    "but because so when while after before since although though which who whom until unless "
    "if whereas"
)
IRREGULAR_PAST = _words(
    """
    ran made set put took sent wrote hit broke left let chose gave read forgot did began brought
    built cut drew drove found got held kept knew led lost meant paid quit said saw sold shut
    spun stood struck told thought threw understood won
    """
)
# "a typo by the engineer": a mistake whose doer follows it.
MISTAKE_NOUNS = _words(
    "mistake mistakes error errors typo typos slip oversight misconfiguration blunder"
)
OBJECT_PRONOUNS = frozenset({"him", "her", "them"})


class _Token(NamedTuple):
    text: str  # as written
    word: str  # in lower case
    start: int
    end: int
    of_a_service: bool = False  # a word of one of the organisation's services' names

    @property
    def is_word(self) -> bool:
        return self.text[0].isalnum()

    @property
    def is_capitalised(self) -> bool:
        return self.text[0].isupper()


def _tokens(text: str, start: int, end: int, services: frozenset[str]) -> list[_Token]:
    tokens = []
    for match in TOKEN.finditer(text, start, end):
        word = match.group().lower()
        of_a_service = bool(services) and any(_fold(w) in services for w in WORD.findall(word))
        tokens.append(_Token(match.group(), word, match.start(), match.end(), of_a_service))
    return tokens


def _blank_quotes(text: str) -> str:
    return QUOTED.sub(lambda match: " " * len(match.group()), text)


def _sentences(text: str) -> Iterable[tuple[int, int]]:
    """(start, end) of each sentence: split at sentence ends and at every line break."""
    start = 0
    for end in SENTENCE_END.finditer(text):
        yield start, end.start()
        start = end.end()
    yield start, len(text)


def _is_name_part(part: str, *, initial_ok: bool) -> bool:
    for prefix in ("Mc", "Mac"):  # "McKenzie", "MacLeod"
        if part.startswith(prefix) and part[len(prefix) : len(prefix) + 1].isupper():
            part = part[len(prefix) :]
            break
    if not (part[:1].isupper() and part.isalpha()):
        return False
    return part[1:].islower() or (initial_ok and len(part) == 1)


def _looks_like_a_name(token: _Token) -> bool:
    """A capitalised given name: "Bob", "Jean-Luc", "O'Brien", "Zoë"; not a product or noun."""
    text, word = token.text, token.word
    if token.of_a_service or not MIN_NAME_LENGTH <= len(text) <= MAX_NAME_CHARS:
        return False
    if word in NOT_NAMES or word in SYSTEM_WORDS or word.endswith(NOUN_ENDINGS):
        return False
    if len(word) >= LONG_NOUN and word.endswith(LONG_NOUN_ENDINGS):
        return False
    parts = re.split(r"['\u2019]", text)
    if len(parts) > 2 or (len(parts) == 2 and len(parts[0]) != 1):
        return False  # "Bob's" is whose, not who; "O'Brien" keeps its apostrophe
    pieces = [piece for part in parts for piece in part.split("-")]
    return all(_is_name_part(piece, initial_ok=len(parts) == 2) for piece in pieces)


def _is_system_word(token: _Token) -> bool:
    """A product-like word: a well-known one, CamelCase, capitals or digits."""
    text = token.text
    return (
        token.of_a_service
        or token.word in SYSTEM_WORDS
        or any(char.isdigit() for char in text)
        or (token.is_capitalised and any(char.isupper() for char in text[1:]))
    )


def _is_possessive(token: _Token) -> bool:
    return token.word.endswith(("'s", "\u2019s"))


def _role_start(tokens: Sequence[_Token], at: int) -> int | None:
    """Where "the on-call engineer" begins, given its role word at `at`."""
    for back in range(at - 1, max(at - 4, -1), -1):
        token = tokens[back]
        if not token.is_word or token.word in PREPOSITIONS:
            return at
        if token.word in DETERMINERS:
            return back
        if token.is_capitalised:
            return None if back else at  # mid-sentence: a product's name, "Certificate Manager"
    return at


def _name_start(tokens: Sequence[_Token], at: int) -> int | None:
    """Where "Mei Ling" begins, given its last word at `at`; None when it names a thing."""
    start = at
    while start and at - start < MAX_NAME_WORDS - 1 and _looks_like_a_name(tokens[start - 1]):
        start -= 1
    before = tokens[start - 1] if start else None
    if before is not None and (
        _is_system_word(before) or before.word in DETERMINERS or _is_possessive(before)
    ):
        return None  # "AWS Lambda", "the Gateway", "Bob's Script": things, not people
    return start


def _person_start(tokens: Sequence[_Token], at: int) -> int | None:
    """Where the person ending at token `at` begins, or None when it is no person."""
    token = tokens[at]
    if not token.is_word:
        return None
    if token.word in PRONOUNS or (token.word == "they" and at == 0):
        return at
    if token.word in ROLES or token.text in ROLE_ACRONYMS:
        return _role_start(tokens, at)
    if _looks_like_a_name(token):
        return _name_start(tokens, at)
    return None


def _subject_start(tokens: Sequence[_Token], at: int) -> int | None:
    """Where the subject ending at token `at` begins, when that subject is a person. After a
    preposition the person is not the doer ("a page to the operator"), unless the word before
    it is ("someone on the payments team")."""
    start = _person_start(tokens, at)
    if start is None or not start or tokens[start - 1].word not in PREPOSITIONS:
        return start
    return _person_start(tokens, start - 2) if start >= 2 else None


def _is_between(token: _Token) -> bool:
    return token.word in BETWEEN or (token.is_word and token.word.endswith("ly"))


def _skip_between(tokens: Sequence[_Token], at: int, step: int) -> int | None:
    """The first index from `at`, going by `step`, past at most MAX_BETWEEN words like "then"."""
    for _ in range(MAX_BETWEEN + 1):
        if not 0 <= at < len(tokens):
            return None
        if not _is_between(tokens[at]):
            return at
        at += step
    return None


def _is_past_verb(token: _Token) -> bool:
    word = token.word
    return token.is_word and (word in IRREGULAR_PAST or (len(word) > 4 and word.endswith("ed")))


def _is_participle(token: _Token) -> bool:
    word = token.word
    return _is_past_verb(token) or word in IRREGULAR_PARTICIPLES or word.endswith(("en", "wn"))


def _wording_end(tokens: Sequence[_Token], at: int, table) -> int | None:
    """The index just after the wording of `table` that begins at token `at`, if one does."""
    for rest in table.get(tokens[at].word, ()):
        end = at + 1 + len(rest)
        if end > len(tokens) or any(tokens[at + 1 + n].word != w for n, w in enumerate(rest)):
            continue
        after = tokens[end] if end < len(tokens) else None
        if after is not None and after.word in NOT_A_MISTAKE_AFTER:
            return None
        if tokens[end - 1].word in NEEDS_A_PARTICIPLE and not (after and _is_participle(after)):
            return None
        return end
    return None


def _subject_before(tokens: Sequence[_Token], at: int) -> int | None:
    """A person subject ending just before token `at`: "Bob forgot", "she then misread"."""
    subject = _skip_between(tokens, at - 1, -1)
    return None if subject is None else _subject_start(tokens, subject)


def _subject_before_who(tokens: Sequence[_Token], at: int) -> int | None:
    """ "the engineer who made the change did not check": a person, who, a few words, wording."""
    for back in range(at - 1, max(at - 2 - MAX_RELATIVE, 0), -1):
        if not tokens[back].is_word:
            return None
        if tokens[back].word == "who":
            return _subject_start(tokens, back - 1)
    return None


def _subject_of_wrong_object(tokens: Sequence[_Token], at: int) -> int | None:
    """ "restarted the wrong cluster", with `at` on "wrong": the subject before the verb."""
    if at < 2 or tokens[at - 1].word not in ("the", "a", "an"):
        return None
    return _subject_before(tokens, at - 2) if _is_past_verb(tokens[at - 2]) else None


def _subject_of_clause(tokens: Sequence[_Token], at: int) -> int | None:
    """Who did what a trailing "by mistake" at `at` qualifies: the nearest word before it that a
    past-tense verb follows, if that word is a person ("Priya ran the script by mistake")."""
    for back in range(at - 1, max(at - 1 - MAX_CLAUSE, -1), -1):
        token = tokens[back]
        if not token.is_word or token.word in CLAUSE_WORDS:
            return None
        if _is_between(token) or token.word in DETERMINERS or token.word in PREPOSITIONS:
            continue
        verb = _skip_between(tokens, back + 1, 1)
        if verb is not None and verb < at and _is_past_verb(tokens[verb]):
            return _subject_start(tokens, back)
    return None


def _doer_after(tokens: Sequence[_Token], at: int) -> int | None:
    """ "a typo by the on-call engineer", with `at` on "by": the index of the doer's last word."""
    for ahead in range(at + 1, min(at + 5, len(tokens))):
        token = tokens[ahead]
        first = ahead == at + 1
        if token.word in PRONOUNS or token.word in OBJECT_PRONOUNS:
            return ahead if first else None
        if token.word in ROLES or token.text in ROLE_ACRONYMS:
            return ahead
        if first and _looks_like_a_name(token):
            return ahead
        if not token.is_word or token.is_capitalised:
            return None
    return None


def _person_blame_in(tokens: Sequence[_Token]) -> tuple[int, int] | None:
    """The first and last token of the first mistake a person is the subject of, if any."""
    for at, token in enumerate(tokens):
        end = _wording_end(tokens, at, MISTAKE_WORDS)
        if end is not None:
            start = _subject_before(tokens, at)
            start = start if start is not None else _subject_before_who(tokens, at)
            if start is not None:
                return start, end - 1
        if token.word == "wrong" and (start := _subject_of_wrong_object(tokens, at)) is not None:
            return start, at
        end = _wording_end(tokens, at, TRAILING_MISTAKES)
        if end is not None and (start := _subject_of_clause(tokens, at)) is not None:
            return start, end - 1
        if token.word == "by" and at and tokens[at - 1].word in MISTAKE_NOUNS:
            doer = _doer_after(tokens, at)
            if doer is not None:
                return at - 1, doer
    return None


def _person_findings(
    text: str, section: str, taken: Sequence[tuple[int, int]], services: frozenset[str]
) -> list[tuple[int, Finding]]:
    """Where a person is the subject of a mistake: one finding per sentence, and none in a
    sentence whose words were flagged already (`taken`: their sorted spans)."""
    readable = _blank_quotes(text)
    findings: list[tuple[int, Finding]] = []
    next_taken = 0
    for start, end in _sentences(readable):
        while next_taken < len(taken) and taken[next_taken][1] <= start:
            next_taken += 1
        if next_taken < len(taken) and taken[next_taken][0] < end:
            continue
        tokens = _tokens(readable, start, end, services)
        found = _person_blame_in(tokens)
        if found is None:
            continue
        first, last = tokens[found[0]].start, tokens[found[1]].end
        if last - first <= MAX_PHRASE_CHARS:
            phrase = text[first:last]
            findings.append((first, Finding(section, phrase, PERSON_SUBJECT_SUGGESTION)))
    return findings


def scan_text(
    text: str,
    *,
    section: str,
    people: NameIndex | Iterable[str] = (),
    person_subjects: bool = True,
) -> list[Finding]:
    """Flag blaming words and people named as a cause, once per place, in text order; with
    `person_subjects`, also each sentence that makes a person the subject of a mistake."""
    index = name_index(people)
    rules = RULES + _person_rules(index.names_in(text))
    kept: list[tuple[int, int, str]] = []
    covered_until = -1
    for start, end, suggestion in sorted(_matches(text, rules), key=lambda m: (m[0], -m[1])):
        if start >= covered_until:  # overlapping matches describe the same words: keep the first
            kept.append((start, end, suggestion))
            covered_until = end
    findings = [
        (start, Finding(section, text[start:end], suggestion)) for start, end, suggestion in kept
    ]
    if person_subjects:
        taken = [(start, end) for start, end, _ in kept]
        findings += _person_findings(text, section, taken, index.service_words)
    return [finding for _, finding in sorted(findings, key=lambda pair: pair[0])]


def _blames_a_person(answer: str, people: NameIndex) -> bool:
    for start, end in _sentences(answer):  # a person in one sentence, a mistake in another: no
        sentence = answer[start:end]
        mention = _name_mention(people.names_in(sentence))
        mentions_person = PERSON_TERM.search(sentence) or (mention and mention.search(sentence))
        if mentions_person and MISTAKE_TERM.search(sentence):
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
