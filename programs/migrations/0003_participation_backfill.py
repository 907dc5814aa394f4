from django.db import migrations

STAGES = ["registered", "applied", "diagnosed", "advised", "accompaniment", "plan_completed", "matching"]


def forwards(apps, schema_editor):
    """One participation per company and program it took part in; the company's stage goes to the
    participation of its program; tracks, plans and diagnoses are attached to their participation."""
    Company = apps.get_model("dxcommunity", "Company")
    Participation = apps.get_model("programs", "Participation")
    Track = apps.get_model("accompaniment", "AccompanimentTrack")
    DxPlan = apps.get_model("accompaniment", "DxPlan")
    Diagnosis = apps.get_model("diagnosis", "Diagnosis")
    Application = apps.get_model("programs", "SelfDiagnosisApplication")
    CompanyApplication = apps.get_model("programs", "CompanyApplication")
    Decision = apps.get_model("programs", "SelectionDecision")

    def join(company, program_id, stage="registered"):
        p, created = Participation.objects.get_or_create(
            company_id=company.pk,
            program_id=program_id,
            defaults={"consortium_id": company.consortium_id, "stage": stage},
        )
        if not created and STAGES.index(stage) > STAGES.index(p.stage):
            p.stage = stage
            p.save(update_fields=["stage"])
        return p

    for company in Company.objects.all():
        program_ids = set()
        for model in (Application, CompanyApplication, Decision, Track):
            program_ids.update(model.objects.filter(company_id=company.pk).values_list("program_id", flat=True))
        if company.program_id:
            program_ids.add(company.program_id)
        for program_id in sorted(program_ids):
            join(company, program_id)
        if company.program_id:
            join(company, company.program_id, company.stage)
        latest = (
            Participation.objects.filter(company_id=company.pk).order_by("-program__fiscal_year", "-pk").first()
        )
        for track in Track.objects.filter(company_id=company.pk):
            track.participation = join(company, track.program_id, company.stage if track.program_id == company.program_id else "accompaniment")
            track.save(update_fields=["participation"])
        for plan in DxPlan.objects.filter(company_id=company.pk):
            track = Track.objects.filter(company_id=company.pk).order_by("-pk").first()
            plan.participation = track.participation if track else latest
            if plan.participation is None:
                plan.delete()
            else:
                plan.save(update_fields=["participation"])
        if latest is not None:
            Diagnosis.objects.filter(company_id=company.pk).update(participation=latest)


class Migration(migrations.Migration):
    dependencies = [
        ("programs", "0002_participation"),
        ("diagnosis", "0003_diagnosis_participation"),
        ("accompaniment", "0003_participation_and_sessionlog_items"),
        ("dxcommunity", "0004_company_corporate_number"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
