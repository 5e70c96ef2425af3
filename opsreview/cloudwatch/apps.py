from django.apps import AppConfig


class CloudwatchConfig(AppConfig):
    """Each team's CloudWatch alarms and key metrics, read through boto3, and the alarms that
    open incidents (Amazon SNS deliveries)."""

    name = "opsreview.cloudwatch"
    label = "cloudwatch"
    verbose_name = "CloudWatch"
