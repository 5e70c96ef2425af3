"""Markdown rendered once, when it is saved: pages show the stored, sanitised HTML.

A model lists its markdown fields in `markdown_fields`; each `<field>` has a `<field>_html`
beside it. Saving renders what changed; rows rendered under an older RENDER_POLICY are
re-rendered after every `migrate` (and by `manage.py render_markdown`).
"""

from django.apps import apps
from django.core.validators import MaxLengthValidator
from django.db import models, transaction
from django.utils.safestring import mark_safe

from .rendering import RENDER_POLICY, render_markdown

# Far beyond any real COE section, and small enough that rendering stays fast (benchmarks/).
MARKDOWN_MAX_CHARS = 100_000


class MarkdownField(models.TextField):
    """Text people write in markdown, limited so rendering it stays fast."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", MARKDOWN_MAX_CHARS)
        super().__init__(*args, **kwargs)
        self.validators.append(MaxLengthValidator(self.max_length))


class RenderedHTMLField(models.TextField):
    """HTML written only by render_markdown (sanitised), so it is safe to show as loaded."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("blank", True)
        kwargs.setdefault("editable", False)
        kwargs.setdefault("default", "")
        super().__init__(*args, **kwargs)

    def from_db_value(self, value, expression, connection):
        return mark_safe(value or "")  # noqa: S308 - only the sanitiser writes this column


class StoresRenderedMarkdown(models.Model):
    markdown_fields: tuple[str, ...] = ()
    markdown_policy = models.PositiveSmallIntegerField(default=0, editable=False)

    class Meta:
        abstract = True

    def save(self, *args, update_fields=None, **kwargs):
        if update_fields is None or set(update_fields) & set(self.markdown_fields):
            self.render_stored_markdown()
            if update_fields is not None:
                update_fields = {*update_fields, *self.rendered_field_names()}
        super().save(*args, update_fields=update_fields, **kwargs)

    @staticmethod
    def rendered_field_names_for(*markdown_fields: str) -> list[str]:
        """What rendering writes: derived from the text, so history need not keep it."""
        return [f"{field}_html" for field in markdown_fields] + ["markdown_policy"]

    @classmethod
    def rendered_field_names(cls) -> list[str]:
        return cls.rendered_field_names_for(*cls.markdown_fields)

    def render_stored_markdown(self) -> None:
        for field in self.markdown_fields:
            setattr(self, f"{field}_html", render_markdown(getattr(self, field)))
        self.markdown_policy = RENDER_POLICY


def models_storing_markdown() -> list[type[StoresRenderedMarkdown]]:
    return [model for model in apps.get_models() if issubclass(model, StoresRenderedMarkdown)]


def render_stale_markdown(*, everything: bool = False, batch_size: int = 500) -> int:
    """Re-render rows stored under an older policy (or all rows); returns how many changed."""
    count = 0
    for model in models_storing_markdown():
        rows = (
            model.objects.all()
            if everything
            else model.objects.exclude(markdown_policy=RENDER_POLICY)
        )
        fields = model.rendered_field_names()
        batch = []
        for row in rows.only("pk", *model.markdown_fields).iterator(chunk_size=batch_size):
            row.render_stored_markdown()
            batch.append(row)
            if len(batch) >= batch_size:
                count += _save_rendered(model, batch, fields)
                batch = []
        count += _save_rendered(model, batch, fields)
    return count


def _save_rendered(model, rows: list, fields: list[str]) -> int:
    with transaction.atomic():
        model.objects.bulk_update(rows, fields)  # no history rows: the source text is unchanged
    return len(rows)
