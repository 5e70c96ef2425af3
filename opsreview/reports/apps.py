from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "opsreview.reports"
    label = "reports"
    verbose_name = "Weekly and monthly reports"
