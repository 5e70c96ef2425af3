from django.db import migrations

from coe.search import refresh_search_vectors


def fill_search_vectors(apps, schema_editor):
    # The vector now includes the five whys; rebuild it for every existing COE.
    refresh_search_vectors(apps.get_model("coe", "Coe").objects.all())


class Migration(migrations.Migration):
    dependencies = [("coe", "0007_images")]

    operations = [
        migrations.RunPython(fill_search_vectors, migrations.RunPython.noop, elidable=True),
    ]
