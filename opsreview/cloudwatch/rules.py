"""A composite alarm's rule, read as a tree: ALARM("name"), OK("name") and
INSUFFICIENT_DATA("name") references joined by AND, OR and NOT, grouped by parentheses, e.g.
ALARM("BananaStand-Distributor-Errors") OR (ALARM("A") AND NOT OK("B")).

A rule this reader does not follow (AT_LEAST(…), say) is shown as its references, flat.
"""

import re
from dataclasses import dataclass, field

STATES = ("ALARM", "OK", "INSUFFICIENT_DATA")
TOKEN = re.compile(r'\s*(?:"(?P<quoted>[^"]*)"|(?P<punct>[(),])|(?P<word>[^\s(),"]+))')
REFERENCE = re.compile(r'\b(ALARM|OK|INSUFFICIENT_DATA)\s*\(\s*(?:"([^"]*)"|([^\s()"]+))\s*\)')
MAX_DEPTH = 40


class RuleNotUnderstood(ValueError):
    pass


@dataclass
class Ref:
    """A reference to another alarm: true while that alarm is in `state`."""

    state: str
    name: str


@dataclass
class Op:
    """AND or OR over two or more parts; NOT over one; TRUE or FALSE over none."""

    op: str
    parts: list = field(default_factory=list)


def alarm_name(reference: str) -> str:
    """An alarm's name from its name or its ARN (arn:aws:cloudwatch:region:account:alarm:name)."""
    if reference.startswith("arn:") and ":alarm:" in reference:
        return reference.split(":alarm:", 1)[1]
    return reference


def _tokens(rule: str) -> list[tuple[str, str]]:
    tokens, position = [], 0
    rule = rule.rstrip()
    while position < len(rule):
        match = TOKEN.match(rule, position)
        if match is None or match.end() == position:
            raise RuleNotUnderstood(rule)
        kind = match.lastgroup or ""
        tokens.append((kind, match.group(kind)))
        position = match.end()
    return tokens


class _Parser:
    def __init__(self, rule: str):
        self.tokens = _tokens(rule)
        self.at = 0

    def peek(self) -> tuple[str, str]:
        return self.tokens[self.at] if self.at < len(self.tokens) else ("", "")

    def take(self, kind: str, value: str | None = None) -> str:
        token_kind, token = self.peek()
        if token_kind != kind or (value is not None and token.upper() != value):
            raise RuleNotUnderstood(token)
        self.at += 1
        return token

    def keyword(self, word: str) -> bool:
        kind, token = self.peek()
        if kind == "word" and token.upper() == word:
            self.at += 1
            return True
        return False

    def joined(self, op: str, part, depth: int) -> Op | Ref:
        parts = [part(depth)]
        while self.keyword(op):
            parts.append(part(depth))
        return parts[0] if len(parts) == 1 else Op(op, parts)

    def any_of(self, depth: int):
        return self.joined("OR", self.all_of, depth)

    def all_of(self, depth: int):
        return self.joined("AND", self.unary, depth)

    def unary(self, depth: int):
        if depth > MAX_DEPTH:
            raise RuleNotUnderstood("nested too deeply")
        if self.keyword("NOT"):
            return Op("NOT", [self.unary(depth + 1)])
        if self.peek() == ("punct", "("):
            self.take("punct", "(")
            inner = self.any_of(depth + 1)
            self.take("punct", ")")
            return inner
        for constant in ("TRUE", "FALSE"):
            if self.keyword(constant):
                return Op(constant)
        kind, word = self.peek()
        if kind == "word" and word in STATES:
            self.at += 1
            self.take("punct", "(")
            arg_kind, _ = self.peek()
            if arg_kind not in ("quoted", "word"):
                raise RuleNotUnderstood(word)
            reference = self.take(arg_kind)
            self.take("punct", ")")
            return Ref(word, alarm_name(reference))
        raise RuleNotUnderstood(word)


def parse_rule(rule: str) -> Op | Ref:
    """The rule's tree; raises RuleNotUnderstood."""
    parser = _Parser(rule)
    tree = parser.any_of(0)
    if parser.at != len(parser.tokens):
        raise RuleNotUnderstood(parser.peek()[1])
    return tree


def references(rule: str) -> list[Ref]:
    """Every alarm the rule names, in order, each once, whether or not the rule parses."""
    found: dict[tuple[str, str], Ref] = {}
    for state, quoted, bare in REFERENCE.findall(rule):
        ref = Ref(state, alarm_name(quoted or bare))
        found.setdefault((ref.state, ref.name), ref)
    return list(found.values())
