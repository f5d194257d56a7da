"""Encryption at rest: nothing readable in a database dump, key rotation, loud failure on a wrong
key, and the blind index that finds the same person without decrypting anyone."""

import os
import stat
import subprocess
from datetime import date
from io import StringIO

import pytest
from django.core.exceptions import FieldError
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import connection

from cases import services
from cases.models import (
    Agency,
    Allegation,
    Evidence,
    Lesion,
    MedicalExamination,
    Perpetrator,
    PsychologicalEvaluation,
    Victim,
    Witness,
)
from cases.tests.factories import make_allegation
from npm_tracker.core import crypto, signing
from npm_tracker.core.models import SigningKey

NAME = "Гүлнара Шифрованная"
BORN = date(1990, 4, 17)
FINDINGS = "Кровоподтёки на рёбрах слева, давность 3-5 суток"
STATEMENT = "Видел, как его уводили в кабинет 12"
PERPETRATOR = "Жандосов Ерлан"
EXAMINER = "Доктор Медиковна"
FILE_BYTES = b"%PDF-1.4 medical record of the person"
KEY_A = "a:" + crypto.new_key()
KEY_B = "b:" + crypto.new_key()


def seed_person():
    allegation = make_allegation(
        victim={"full_name": NAME, "date_of_birth": BORN, "contact_details": "+7 701 000 11 22"},
        injuries="Перелом ребра",
        witnesses=[
            {
                "role": "detainee",
                "full_name": "Свидетель Тестов",
                "contact_details": "+7 702 333 44 55",
                "statement": STATEMENT,
            }
        ],
        perpetrators=[{"agency": Agency.objects.get(code="kz_mvd"), "name": PERPETRATOR}],
    )
    examination = services.medical_examination_add(
        actor=None,
        allegation=allegation,
        examined_on=date(2026, 3, 3),
        examiner=EXAMINER,
        account="Били дубинкой по спине на допросе",
        findings=FINDINGS,
        opinion="Повреждения соответствуют рассказу",
    )
    services.lesion_save(
        actor=None,
        lesion=Lesion(
            examination=examination,
            region="chest",
            side="left",
            type="bruise",
            size="4 x 2 см",
            colour="сине-фиолетовый",
            age_estimate="3-5 суток",
            description="Полосовидный кровоподтёк",
        ),
    )
    services.allegation_part_save(
        actor=None,
        part=PsychologicalEvaluation(
            allegation=allegation,
            evaluated_on=date(2026, 3, 4),
            evaluator="Психолог Тестова",
            symptoms="Нарушения сна, навязчивые воспоминания",
            opinion="Соответствует пережитому насилию",
        ),
    )
    evidence = services.evidence_add(
        actor=None,
        allegation=allegation,
        file=ContentFile(FILE_BYTES, name="record.pdf"),
        kind="medical_record",
    )
    return allegation, evidence


def dump() -> str:
    db = connection.settings_dict
    env = {**os.environ, "PGPASSWORD": db["PASSWORD"]}
    return subprocess.run(
        ["pg_dump", "-h", db["HOST"], "-p", str(db["PORT"]), "-U", db["USER"], db["NAME"]],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    ).stdout


@pytest.mark.django_db(transaction=True)
def test_a_database_dump_holds_no_identity_or_medical_text(reference, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    allegation, evidence = seed_person()
    text = dump()
    assert allegation.reference in text  # the dump is real and holds the allegation
    for secret in (
        NAME,
        "Шифрованная",
        BORN.isoformat(),
        FINDINGS,
        STATEMENT,
        "Перелом ребра",
        "701 000 11 22",
        "702 333 44 55",
        "Свидетель Тестов",
        PERPETRATOR,
        "Жандосов",
        EXAMINER,
        "Медиковна",
    ):
        assert secret not in text, secret
    stored = (tmp_path / evidence.file.name).read_bytes()
    assert FILE_BYTES not in stored and stored.startswith(crypto.FILE_MAGIC)
    # ... while the application reads them back.
    victim = Victim.objects.get(allegation=allegation)
    assert (victim.full_name, victim.date_of_birth) == (NAME, BORN)
    assert MedicalExamination.objects.get(allegation=allegation).findings == FINDINGS
    assert MedicalExamination.objects.get(allegation=allegation).examiner == EXAMINER
    assert Perpetrator.objects.get(allegation=allegation).name == PERPETRATOR
    assert Evidence.objects.get(pk=evidence.pk).file.open("rb").read() == FILE_BYTES


def the_row_of(model, allegation):
    """The seeded record of ``model`` (every model with an encrypted field belongs to an
    allegation: a new one must be seeded here too, or the dump test fails)."""
    if model is Allegation:
        return Allegation.objects.get(pk=allegation.pk)
    if model is SigningKey:  # the keys signing evidence bundles: one is current
        return signing.current()
    if model is Lesion:  # a lesion belongs to an examination of the allegation
        return model._base_manager.get(examination__allegation=allegation)
    return model._base_manager.get(allegation=allegation)


def test_the_confidential_columns_are_listed_from_the_models():
    columns = crypto.encrypted_columns()
    assert {
        ("cases_victim", "full_name"),
        ("cases_victim", "date_of_birth"),
        ("cases_victim", "contact_details"),
        ("cases_perpetrator", "name"),
        ("cases_medicalexamination", "examiner"),
        ("cases_medicalexamination", "findings"),
    } <= set(columns)
    assert len(columns) == len(set(columns))
    # The blind indexes are keyed hashes, not encrypted values.
    assert ("cases_victim", "identity_index") not in columns


@pytest.mark.django_db(transaction=True)
def test_no_value_of_any_confidential_column_is_in_a_database_dump(reference, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    allegation, _ = seed_person()
    seeded = {}
    for number, (model, field) in enumerate(crypto.encrypted_model_fields()):
        row = the_row_of(model, allegation)
        if isinstance(field, crypto.EncryptedDateField):
            value = date(1901, 1 + number % 12, 1 + number)
            seeded[value.isoformat()] = (model, field, value)
        else:
            value = f"Құпия-{number:02d}-{field.column}-Ғ"
            seeded[value] = (model, field, value)
        setattr(row, field.attname, value)
        row.save(update_fields=[field.attname])
    text = dump()
    assert allegation.reference in text
    found = [f"{m._meta.db_table}.{f.column}" for s, (m, f, _v) in seeded.items() if s in text]
    assert found == []
    for model, field, value in seeded.values():  # ... while the application reads them back
        assert getattr(the_row_of(model, allegation), field.attname) == value


@pytest.mark.django_db
def test_evidence_files_and_their_folders_are_private_to_the_service(reference, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    _allegation, evidence = seed_person()
    stored = tmp_path / "media" / evidence.file.name
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    for folder in stored.parents:
        if folder == tmp_path:
            break
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder


@pytest.mark.django_db
def test_rotation_to_a_new_key_lets_the_old_one_go(reference, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.FIELD_ENCRYPTION_KEYS = [KEY_A]
    allegation, evidence = seed_person()
    signing_key = signing.current()
    settings.FIELD_ENCRYPTION_KEYS = [KEY_B, KEY_A]
    # New writes use B at once; A still reads.
    assert Victim.objects.get(allegation=allegation).full_name == NAME
    out = StringIO()
    call_command("rotate_encryption_keys", stdout=out)
    assert "1 files re-encrypted" in out.getvalue()
    with connection.cursor() as cursor:
        for table, column in crypto.encrypted_columns():
            cursor.execute(f'SELECT "{column}" FROM "{table}" WHERE "{column}" <> \'\'')
            stored = [row[0] for row in cursor.fetchall()]
            assert stored and {crypto.key_id_of(token) for token in stored} == {"b"}, column
    settings.FIELD_ENCRYPTION_KEYS = [KEY_B]
    victim = Victim.objects.get(allegation=allegation)
    assert (victim.full_name, victim.date_of_birth, victim.contact_details) == (
        NAME,
        BORN,
        "+7 701 000 11 22",
    )
    assert Witness.objects.get(allegation=allegation).statement == STATEMENT
    assert "PRIVATE KEY" in SigningKey.objects.get(pk=signing_key.pk).private_key_pem
    assert MedicalExamination.objects.get(allegation=allegation).findings == FINDINGS
    assert Allegation.objects.get(pk=allegation.pk).injuries == "Перелом ребра"
    assert Perpetrator.objects.get(allegation=allegation).name == PERPETRATOR
    assert MedicalExamination.objects.get(allegation=allegation).examiner == EXAMINER
    assert Evidence.objects.get(pk=evidence.pk).file.open("rb").read() == FILE_BYTES


@pytest.mark.django_db
def test_a_wrong_or_missing_key_raises_and_never_shows_ciphertext(reference, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.FIELD_ENCRYPTION_KEYS = [KEY_A]
    allegation, evidence = seed_person()
    settings.FIELD_ENCRYPTION_KEYS = [KEY_B]
    with pytest.raises(crypto.EncryptionError, match="not in the key ring"):
        Victim.objects.get(allegation=allegation)
    with pytest.raises(crypto.EncryptionError):
        Evidence.objects.get(pk=evidence.pk).file.open("rb").read()
    settings.FIELD_ENCRYPTION_KEYS = ["a:" + crypto.new_key()]  # same id, other key
    with pytest.raises(crypto.EncryptionError, match="wrong key"):
        Victim.objects.get(allegation=allegation)


@pytest.mark.django_db
def test_a_value_copied_into_another_column_does_not_decrypt(reference):
    allegation, _ = seed_person()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE cases_victim SET contact_details = full_name WHERE allegation_id = %s",
            [allegation.pk],
        )
    with pytest.raises(crypto.EncryptionError):
        Victim.objects.get(allegation=allegation)


@pytest.mark.django_db
def test_saving_unchanged_keeps_the_ciphertext_so_history_sees_no_change(reference):
    allegation, _ = seed_person()
    victim = Victim.objects.get(allegation=allegation)
    before = victim.confidential_history.count()
    with connection.cursor() as cursor:
        cursor.execute("SELECT full_name FROM cases_victim WHERE id = %s", [victim.pk])
        token = cursor.fetchone()[0]
    services.victim_save(actor=None, victim=victim)
    with connection.cursor() as cursor:
        cursor.execute("SELECT full_name FROM cases_victim WHERE id = %s", [victim.pk])
        assert cursor.fetchone()[0] == token
    assert victim.confidential_history.count() == before
    victim.full_name = "Гүлнара Шифрованная-Иванова"
    services.victim_save(actor=None, victim=victim)
    assert victim.confidential_history.count() == before + 1


@pytest.mark.django_db
def test_the_blind_index_finds_the_same_person_without_decrypting(reference):
    first, _ = seed_person()
    second = make_allegation(victim={"full_name": "шифрованная  ГҮЛНАРА", "date_of_birth": BORN})
    other = make_allegation(victim={"full_name": NAME, "date_of_birth": date(1991, 4, 17)})
    victim = Victim.objects.get(allegation=first)
    assert list(victim.same_person_elsewhere()) == [second]
    assert Victim.objects.get(allegation=other).same_person_elsewhere().count() == 0
    assert len(victim.identity_index) == 64 and NAME not in victim.identity_index
    with pytest.raises(FieldError):
        list(Victim.objects.filter(full_name__icontains="Гүл"))


@pytest.mark.django_db
def test_the_allegation_page_says_where_else_the_person_appears(reference):
    from django.test import Client
    from django.urls import reverse

    from conftest import make_staff

    first, _ = seed_person()
    second = make_allegation(victim={"full_name": NAME.upper(), "date_of_birth": BORN})
    client = Client()
    client.force_login(make_staff("head", "KZ"))
    page = client.get(reverse("admin:cases_allegation_change", args=[first.pk])).content.decode()
    assert "1 other allegation" in page and second.reference in page
    # A monitor who entered the allegation sees it, but not who the person is nor where else
    # they appear.
    user = make_staff("monitor", "KZ", roles=("monitor",))
    Allegation.objects.filter(pk=first.pk).update(created_by=user)
    monitor = Client()
    monitor.force_login(user)
    page = monitor.get(reverse("admin:cases_allegation_change", args=[first.pk]))
    assert page.status_code == 200
    assert second.reference not in page.content.decode() and NAME not in page.content.decode()


@pytest.mark.django_db
def test_the_perpetrator_blind_index_finds_the_same_name_in_other_allegations(reference):
    first, _ = seed_person()
    mvd = Agency.objects.get(code="kz_mvd")
    second = make_allegation(perpetrators=[{"agency": mvd, "name": "ерлан  ЖАНДОСОВ"}])
    make_allegation(perpetrators=[{"agency": mvd, "name": "Жандосов Ербол"}])
    make_allegation(perpetrators=[{"agency": mvd, "rank": "капитан"}])  # no name: no match
    perpetrator = Perpetrator.objects.get(allegation=first)
    assert list(perpetrator.same_name_elsewhere()) == [second]
    assert len(perpetrator.name_index) == 64 and PERPETRATOR not in perpetrator.name_index
    # A victim of the same name is another index (name and date of birth).
    assert perpetrator.name_index != crypto.blind_index(PERPETRATOR, BORN)
    unnamed = Perpetrator.objects.get(rank="капитан")
    assert unnamed.name_index == "" and unnamed.same_name_elsewhere().count() == 0
    perpetrator.name = "Другой Человек"
    perpetrator.save(update_fields=["name"])
    assert Perpetrator.objects.get(pk=perpetrator.pk).same_name_elsewhere().count() == 0


def test_no_history_table_keeps_a_confidential_column():
    """The audit triggers copy rows into append-only tables: an encrypted column copied there
    could never be re-encrypted nor erased."""
    import pghistory.models
    from django.apps import apps

    events = [m for m in apps.get_models() if issubclass(m, pghistory.models.Event)]
    assert events
    for event in events:
        assert not crypto.encrypted_fields(event), event
        tracked = getattr(event, "pgh_tracked_model", None)
        if tracked is not None:
            columns = {f.column for f in event._meta.concrete_fields}
            leaked = {f.column for f in crypto.encrypted_fields(tracked)} & columns
            assert not leaked, (event, leaked)


def test_the_security_document_lists_every_confidential_column():
    from django.conf import settings

    text = (settings.BASE_DIR / "docs" / "security.md").read_text()
    rows = {
        line.split("|")[1].strip(" `"): line.split("|")[2]
        for line in text.splitlines()
        if line.startswith("| `")
    }
    for table, column in crypto.encrypted_columns():
        assert f"`{column}`" in rows.get(table, ""), (table, column)


@pytest.mark.django_db
def test_an_examination_is_named_without_its_examiner(reference):
    """The name of a record is kept in clear where it is shown, such as the admin's log of an
    allegation saved with a new examination."""
    allegation, _ = seed_person()
    exam = MedicalExamination.objects.get(allegation=allegation)
    exam.institution = "ОКБ"
    assert str(exam) == "2026-03-03 ОКБ"
