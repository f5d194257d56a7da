from django.db import migrations
from django.utils import timezone


def queue_unfinished_work(apps, schema_editor):
    """Runs and link mailings the broker held when the outbox arrived become outbox jobs, so
    that none of them waits for ever."""
    ReportRun = apps.get_model("reports", "ReportRun")
    ReportDelivery = apps.get_model("reports", "ReportDelivery")
    OutboxJob = apps.get_model("npm_tracker", "OutboxJob")
    now = timezone.now()
    jobs = [
        OutboxJob(kind="report.render", payload={"run": str(pk)}, available_at=now)
        for pk in ReportRun.objects.filter(status__in=("pending", "running")).values_list(
            "pk", flat=True
        )
    ]
    waiting = ReportDelivery.objects.filter(sent_at__isnull=True, run__status="done")
    jobs += [
        OutboxJob(kind="report.send_links", payload={"run": str(pk)}, available_at=now)
        for pk in waiting.values_list("run_id", flat=True).distinct()
    ]
    OutboxJob.objects.bulk_create(jobs)


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0005_encrypt_report_files"),
        ("npm_tracker", "0009_outbox"),
    ]

    operations = [migrations.RunPython(queue_unfinished_work, migrations.RunPython.noop)]
