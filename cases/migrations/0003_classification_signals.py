from django.db import migrations, models


class Migration(migrations.Migration):
    """The DWC request category of each disputed item, and how its classification was decided."""

    dependencies = [
        ("cases", "0002_originals_jobs"),
    ]

    operations = [
        migrations.AddField(
            model_name="disputeditem",
            name="request_category",
            field=models.CharField(
                blank=True, db_index=True, help_text="DWC request category: Category › Sub-category", max_length=120
            ),
        ),
        migrations.AddField(
            model_name="disputeditem",
            name="classification_confidence",
            field=models.FloatField(db_index=True, default=0.0),
        ),
        migrations.AddField(
            model_name="disputeditem",
            name="classification_signal",
            field=models.CharField(blank=True, db_index=True, max_length=16),
        ),
        migrations.AddField(
            model_name="disputeditem",
            name="classification_evidence",
            field=models.CharField(blank=True, max_length=200),
        ),
        migrations.AddField(
            model_name="disputeditem",
            name="classification_signals",
            field=models.JSONField(blank=True, default=list),
        ),
    ]
