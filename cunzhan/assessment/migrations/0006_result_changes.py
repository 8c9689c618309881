"""A correction keeps, on each result, what changed since the version before (issue 27.3)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('assessment', '0005_publicity_ends_on'),
    ]

    operations = [
        migrations.AddField(
            model_name='assessmentresult',
            name='changes',
            field=models.JSONField(default=list, verbose_name='与上一版本相比'),
        ),
    ]
