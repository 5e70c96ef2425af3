import wheel.models
from django.db import migrations, models

# The cap as it was set here; later changes to the constant need a migration of their own.
MAX_WEIGHT = 1_000_000.0


def clamp_weights(apps, schema_editor):
    """Weights stored above the cap come down to it, so the constraint below can hold."""
    Participant = apps.get_model("wheel", "Participant")
    Participant.objects.filter(weight__gt=MAX_WEIGHT).update(weight=MAX_WEIGHT)


class Migration(migrations.Migration):
    dependencies = [
        ("wheel", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(clamp_weights, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="participant",
            name="weight",
            field=models.FloatField(default=1.0, validators=[wheel.models.validate_weight]),
        ),
        migrations.AddConstraint(
            model_name="participant",
            constraint=models.CheckConstraint(
                condition=models.Q(("weight__lte", 1000000.0)), name="wheel_weight_lte_max"
            ),
        ),
    ]
