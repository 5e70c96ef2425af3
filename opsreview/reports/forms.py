from django import forms

from opsreview.org.pickers import person_field
from opsreview.org.zones import site_today

from .builder import PeriodOutOfRange, month_start, week_period, week_start
from .models import ReportKind


class ReportPreviewForm(forms.Form):
    recipient = person_field(label="Manager")
    kind = forms.ChoiceField(choices=ReportKind.choices, initial=ReportKind.WEEKLY)
    period = forms.CharField(
        max_length=10,
        help_text="2026-W48 for a week, 2026-11 for a month.",
        initial=lambda: week_period(site_today()),
    )

    def clean(self):
        data = super().clean()
        kind, period = data.get("kind"), data.get("period", "")
        parse = week_start if kind == ReportKind.WEEKLY else month_start
        try:
            parse(period)
        except PeriodOutOfRange as error:
            self.add_error("period", str(error))
        except ValueError:
            example = "2026-W48" if kind == ReportKind.WEEKLY else "2026-11"
            self.add_error("period", f"Write the period like {example}.")
        return data
