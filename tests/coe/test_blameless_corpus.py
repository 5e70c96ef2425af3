"""The blameless check against COE prose labelled by hand: people without accounts blamed by
name, role or pronoun, and the system-focused sentences that must pass.

The sentences were written as COE authors write them, before the rules; a miss or a false alarm
is fixed in the rules, not by rewording a sentence. Nobody here has an account: the names are
found from the wording alone.
"""

import pytest

from coe.blameless import PERSON_SUBJECT_SUGGESTION, NameIndex, scan_text, scan_why_chain
from coe.findings import factor_findings, people_index, text_findings
from tests.org.factories import ServiceFactory

BLAMEFUL = [
    "Bob forgot to renew the certificate.",
    "Priya forgot to update the DNS record before the cutover.",
    "Jean-Luc ran the migration against production by mistake.",
    "The on-call engineer forgot to silence the alarm before the maintenance window.",
    "The operator failed to drain the node before rebooting it.",
    "The DBA dropped the wrong table.",
    "An engineer accidentally deleted the production bucket.",
    "The new hire skipped the canary step.",
    "Someone forgot to update the allow-list after the IP change.",
    "He didn't check the diff before approving it.",
    "She misread the graph and scaled down the wrong fleet.",
    "They ignored the warning from the linter.",
    "Marcus should have rolled back sooner.",
    "During the deploy, Tom mistakenly pointed the config at the staging database.",
    "At 14:02 Sarah fat-fingered the instance count and launched 400 hosts.",
    "Ahmed neglected to update the runbook after the migration.",
    "Kenji overlooked the failing health check in the deploy output.",
    "The release manager failed to notice that the canary was red.",
    "The on-call didn't notice the disk alarm for two hours.",
    "Our on-call engineer wasn't paying attention to the pager.",
    "The engineer who made the change did not check whether the flag was already on.",
    "Lucia accidentally pushed the feature flag to all regions.",
    "The reviewer approved the change without reading it carefully.",
    "The SRE on call should have escalated to the database team.",
    "The developer forgot to add an index to the new column.",
    "Carlos skipped the load test because he was in a hurry.",
    "The contractor accidentally revoked the IAM role used by the pipeline.",
    "Nina typed the wrong region into the console.",
    "The on-call engineer restarted the wrong cluster.",
    "Wei mistyped the hostname in the failover script.",
    "Our DBA forgot that the replica was still catching up.",
    "The intern ran the cleanup script against production instead of staging.",
    "Olivia ignored the low-disk warning on the dashboard.",
    "Somebody deleted the route table entry by mistake.",
    "The engineer on call misconfigured the load balancer health check.",
    "Fatima didn't test the change in staging before the rollout.",
    "The team lead approved the change without reviewing the diff.",
    "He accidentally ran terraform destroy in the wrong workspace.",
    "The person on call forgot to hand over the open incident at shift change.",
    "George forgot to remove the debug flag before merging.",
    "Anya did not notice that the migration was still running.",
    "They failed to escalate within the thirty-minute window.",
    "The operator mistakenly promoted the lagging replica.",
    "Rahul should have checked the replication lag first.",
    "Mei Ling overlooked the expiry date on the certificate.",
    "The support engineer accidentally closed the customer's ticket.",
    "Because Tom forgot to scale the fleet, checkout ran out of capacity.",
    "After the deploy, Jessica forgot to re-enable the alarm.",
    "Kofi skipped the pre-deployment checklist to save time.",
    "The on-call engineer neglected to page the database team.",
    "An SRE mistakenly deleted the DNS zone.",
    "Our network engineer fat-fingered a BGP filter.",
    "The DBA failed to verify the backup before the upgrade.",
    "Luis ignored the failing canary and promoted the build.",
    "Someone on the payments team disabled the alarm by mistake.",
    "She forgot to check the feature flag state in eu-west-1.",
    "The engineer overlooked a typo in the config file.",
    "Alex did not check the capacity dashboard before starting the migration.",
    "O'Brien accidentally merged the wrong branch.",
    "The on-call engineer didn't read the alarm description and restarted the service.",
    "Ingrid misjudged how long the backfill would take.",
    "The deployer forgot to bump the version number.",
    "If Tom had read the runbook, this would not have happened.",
    "Had Priya checked the dashboard, she would have seen the spike.",
    "The outage was caused by human error.",
    "Dave was careless with the rollout percentage.",
]

BLAMELESS = [
    "The deploy pipeline allowed a bad config to reach production.",
    "The health check failed to detect the dead worker.",
    "The alarm failed to fire because its threshold was set to 90%.",
    "The cache forgot stale keys after the restart.",
    "Kafka failed to rebalance the consumer group.",
    "Jenkins failed to pick up the new build agent.",
    "Redis failed to accept writes once memory was full.",
    "Lambda skipped the retry because the event was older than six hours.",
    "Aurora failed to promote the replica within the expected window.",
    "Athena ignored the partition filter and scanned the whole table.",
    "Hermes forgot the session state when the pod restarted.",
    "Atlas mistakenly reported the shard as healthy.",
    "Jira failed to create the follow-up ticket.",
    "PagerDuty failed to page the secondary on-call.",
    "BananaStand failed to serve collections for 90 minutes.",
    "CloudWatch missed the spike because of one-minute aggregation.",
    "S3 returned 503 Slow Down errors for twenty minutes.",
    "DynamoDB throttled writes on the hot partition.",
    "The runbook did not say to check replication lag before failover.",
    "There was no check that the new config pointed at an existing host.",
    "Bob asked why the alarm failed to fire.",
    "Priya noticed the error and rolled back.",
    'The client logged "Operator failed to acquire lock" on every retry.',
    "The logs showed `ERROR: worker forgot heartbeat` for every worker.",
    "To reduce the chance of human error, the rollout is now automated.",
    "No one skipped the canary; the pipeline has no canary stage for this service.",
    "The on-call engineer followed the runbook, which was out of date.",
    "The on-call engineer was paged at 02:14 and acknowledged within three minutes.",
    "Tom rolled back the deployment at 14:20.",
    "Priya joined the call and confirmed the database was healthy.",
    "The console made it easy to select the production account by mistake.",
    "The script did not check whether the target was production.",
    "The deployment tool does not ask for confirmation before deleting a stack.",
    "The certificate expired because renewal was a manual step with no reminder.",
    "The migration skipped rows with null timestamps.",
    "The load balancer failed to remove the unhealthy host from rotation.",
    "Our alerting failed to page anyone because the rotation was empty.",
    "After the restart, the scheduler forgot its pending jobs.",
    "During the failover, DNS caches ignored the lowered TTL.",
    "The canary missed the defect because it only exercised read paths.",
    "The validation step should have rejected the config, but it only checked syntax.",
    "The dashboard should have shown the queue depth.",
    "The operator console had no confirmation dialog.",
    "Engineers could not see which region the console was pointed at.",
    "The form accepted an empty region field without warning.",
    "We will add a pre-flight check so a typo in the host name cannot reach production.",
    "The team had no staging environment that mirrors production.",
    "The backup job failed to complete for three nights and nothing alerted.",
    "Zookeeper lost quorum when two nodes restarted together.",
    "Terraform applied the change to every workspace because the module had no guard.",
    "Kubernetes failed to schedule the pods because the node pool was full.",
    "Elasticsearch skipped the replica allocation during the upgrade.",
    "Grafana did not show the error because the panel filtered on status 200.",
    "The retry logic failed to back off, so the database was overwhelmed.",
    "Our runbook assumed the operator would remember to drain the node.",
    "The process relied on someone remembering to renew the certificate every year.",
    "It was easy to miss the warning because it scrolled past with hundreds of lines.",
    "The alarm description did not link to the runbook.",
    "We did not have an alarm on certificate expiry.",
    "The tooling made it possible to run the cleanup against production without confirmation.",
    "Priya, the on-call engineer, escalated to the networking team at 03:10.",
    "Customers could not collect bananas for 90 minutes.",
    "The change was approved by two reviewers and passed all tests.",
    "Vault failed to renew the lease, and the service lost its database credentials.",
    "Spinnaker skipped the manual judgement stage because it was misconfigured.",
    "Nothing prevented a single command from deleting every replica.",
    "Bob said the alarm had fired twice before and auto-resolved both times.",
    "People forget; certificate renewal should not depend on anyone's memory.",
    "The workers restarted, but they failed to reconnect to the queue.",
    "The Kubernetes operator failed to reconcile the new replica count.",
    "AWS Certificate Manager failed to renew the certificate because DNS validation was missing.",
    "Monitoring failed to detect the slow memory leak.",
    "We added a confirmation prompt so an engineer can no longer accidentally delete a stack.",
    "Replication skipped the large transaction and the replica diverged.",
]


def flagged(sentence: str) -> bool:
    return bool(scan_text(sentence, section="summary"))


def test_the_check_finds_blame_on_people_without_accounts_and_spares_the_system():
    assert len(BLAMEFUL) >= 60 and len(BLAMELESS) >= 60
    tp = sum(flagged(sentence) for sentence in BLAMEFUL)
    fn = len(BLAMEFUL) - tp
    fp = sum(flagged(sentence) for sentence in BLAMELESS)
    precision = tp / (tp + fp)
    recall = tp / (tp + fn)
    counts = f"({tp} tp, {fp} fp, {fn} fn)"
    print(f"blameless corpus: precision {precision:.2f} recall {recall:.2f} {counts}")
    missed = [sentence for sentence in BLAMEFUL if not flagged(sentence)]
    false_alarms = [sentence for sentence in BLAMELESS if flagged(sentence)]
    print("missed:", *missed, sep="\n  ")
    print("false alarms:", *false_alarms, sep="\n  ")
    assert recall >= 0.9
    assert precision >= 0.9


@pytest.mark.parametrize(
    ("text", "phrase"),
    [
        pytest.param("Bob forgot to renew the certificate.", "Bob forgot", id="given_name"),
        pytest.param(
            "Renewal was manual. Jean-Luc forgot to renew it.",
            "Jean-Luc forgot",
            id="hyphenated_name_mid_text",
        ),
        pytest.param(
            "The on-call engineer failed to drain the node.",
            "The on-call engineer failed to",
            id="role",
        ),
        pytest.param(
            "An engineer accidentally deleted the table.", "An engineer accidentally", id="adverb"
        ),
        pytest.param("Someone skipped the canary.", "Someone skipped", id="someone"),
        pytest.param(
            "Late that night she didn't check the replica.",
            "she didn't check",
            id="pronoun",
        ),
        pytest.param(
            "Priya ran the script in production by mistake.",
            "Priya ran the script in production by mistake",
            id="by_mistake_after_the_object",
        ),
    ],
)
def test_a_person_subject_with_mistake_wording_is_flagged(text, phrase):
    findings = scan_text(text, section="summary")
    assert [(f.phrase, f.kind) for f in findings] == [(phrase, "phrase")]
    assert findings[0].suggestion == PERSON_SUBJECT_SUGGESTION


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("The deploy pipeline allowed a bad config.", id="pipeline_allowed"),
        pytest.param("The health check failed to detect it.", id="system_failed_to"),
        pytest.param("Kafka failed to rebalance.", id="service_name"),
        pytest.param("Hermes forgot the session state.", id="service_that_looks_like_a_name"),
        pytest.param("Bob asked why the alarm failed to fire.", id="person_asking"),
        pytest.param("The runbook did not say to check the lag.", id="runbook_gap"),
        pytest.param('The log said "Bob failed to log in".', id="quoted_error_message"),
        pytest.param("Bob was paged. The alarm failed to clear.", id="name_in_another_sentence"),
        pytest.param("Bob joined the call.\nThe job failed to start.", id="name_on_another_line"),
    ],
)
def test_a_system_subject_or_a_blameless_sentence_is_not_flagged(text):
    assert scan_text(text, section="summary") == []


def test_a_person_finding_is_acknowledged_by_a_stable_fingerprint():
    first = scan_text("Bob  forgot to renew it.", section="lessons")[0]
    again = scan_text("Later, Bob forgot\nto renew it.", section="lessons")[0]
    assert first.fingerprint == again.fingerprint == "lessons:phrase:bob forgot"


def test_a_service_of_the_organisation_is_not_taken_for_a_person():
    text = "Phoenix failed to restart after the upgrade."
    assert [f.phrase for f in scan_text(text, section="summary")] == ["Phoenix failed to"]
    services = NameIndex(services=["Phoenix Router", "Front Door"])
    assert scan_text(text, section="summary", people=services) == []
    assert scan_text("Front Door failed to route.", section="summary", people=services) == []
    assert scan_text("Phoenix-Router skipped it.", section="summary", people=services) == []
    assert scan_text("Bob forgot to renew it.", section="summary", people=services) != []


@pytest.mark.django_db
def test_saved_text_is_checked_against_the_services_of_the_day():
    text = "Apollo failed to fetch the schema."
    assert text_findings("summary", text, people_index()) != []
    ServiceFactory(name="Apollo")
    assert text_findings("summary", text, people_index()) == []


def test_an_acknowledgement_still_fits_once_the_person_has_an_account():
    before = scan_text("Ridley forgot to drain the node.", section="lessons")
    after = scan_text("Ridley forgot to drain the node.", section="lessons", people=["Ridley"])
    assert [f.fingerprint for f in before] == [f.fingerprint for f in after]
    assert before[0].suggestion != after[0].suggestion  # the named-person advice once known


def test_a_sentence_with_a_finding_already_gets_no_second_one():
    assert [f.phrase for f in scan_text("Bob forgot: human error.", section="summary")] == [
        "human error"
    ]


def test_a_why_chain_ending_at_a_person_without_an_account_is_flagged():
    becauses = [
        "Clients could not connect to the gateway",
        "Its certificate had expired",
        "Bob forgot to renew the certificate",
    ]
    [chain] = scan_why_chain(becauses)
    assert (chain.kind, chain.phrase) == ("chain", "Bob forgot to renew the certificate")


def test_five_whys_answers_are_read_sentence_by_sentence():
    steps = [
        ("Why did the gateway fail?", "Its certificate had expired."),
        ("Why had it expired?", "The on-call engineer forgot to renew it."),
        ("Why was renewal manual?", "Vault failed to renew it: the role lacked permission."),
    ]
    findings = factor_findings(steps, NameIndex())
    assert [(f.kind, f.phrase) for f in findings] == [("phrase", "The on-call engineer forgot")]


def test_a_last_answer_blaming_a_person_is_flagged_once_as_the_chain():
    steps = [
        ("Why did the gateway fail?", "Its certificate had expired."),
        ("Why had it expired?", "Bob forgot to renew it."),
    ]
    findings = factor_findings(steps, NameIndex())
    assert [(f.kind, f.phrase) for f in findings] == [("chain", "Bob forgot to renew it.")]


def test_a_name_and_a_mistake_in_different_sentences_of_an_answer_do_not_combine():
    answer = "Bob was on call. The alarm failed to fire because its threshold was too high."
    assert scan_why_chain([answer]) == []
    assert scan_why_chain(["The engineer was paged. The job failed to restart."]) == []


def test_a_why_chain_ending_at_a_service_is_not_flagged():
    becauses = [
        "Clients could not connect to the gateway",
        "Its certificate had expired",
        "Vault failed to renew the certificate",
    ]
    assert scan_why_chain(becauses) == []


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("[" * 100_000, id="brackets"),
        pytest.param("Bob " * 25_000, id="names_without_a_verb"),
        pytest.param("the on-call engineer " * 5_000 + "forgot", id="long_role_run"),
        pytest.param(('"' + "a" * 99 + "\n") * 1_000, id="unclosed_quotes"),
        pytest.param("Bob ran " + "x " * 50_000 + "by mistake", id="long_clause"),
        pytest.param("Bob " + "accidentally " * 8_000 + "forgot", id="adverb_run"),
        pytest.param("A" * 100_000, id="one_long_word"),
    ],
)
def test_a_hundred_kilobytes_of_hostile_text_is_scanned(text):
    assert len(text) >= 50_000
    assert isinstance(scan_text(text, section="summary"), list)
