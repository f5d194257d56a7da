"""The Istanbul Protocol (2022) documentation of a medical examination: each lesion found, with
where it is on the body diagram and the physician's opinion of how consistent it is with the
allegation; and the psychological evaluation. Descriptions and opinions are medical data,
encrypted at rest; the coded fields (region, side, type, consistency) feed statistics."""

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cases import body, choices
from cases.models.base import Evidence_, no_delete
from cases.models.parts import AllegationPart, MedicalExamination
from cases.models.vocabularies import ConsistencyLevel
from npm_tracker.core.crypto import EncryptedCharField, EncryptedTextField
from npm_tracker.core.models import DomainModel


class Lesion(Evidence_, DomainModel):
    """One physical finding of an examination, placed on the front or back body diagram."""

    examination = models.ForeignKey(
        MedicalExamination,
        verbose_name=_("medical examination"),
        on_delete=models.PROTECT,
        related_name="lesions",
    )
    number = models.PositiveSmallIntegerField(
        pgettext_lazy("lesion number", "no."),
        editable=False,
        help_text=_("Its number on the body diagram."),
    )
    region = models.CharField(_("body region"), max_length=16, choices=choices.BodyRegion.choices)
    side = models.CharField(
        pgettext_lazy("body side", "side"),
        max_length=8,
        choices=choices.BodySide.choices,
        default=choices.BodySide.MIDLINE,
    )
    view = models.CharField(
        _("diagram"),
        max_length=8,
        choices=choices.BodyView.choices,
        blank=True,
        help_text=_("Front or back; taken from the region when it is seen from one side only."),
    )
    x = models.PositiveSmallIntegerField(
        _("mark x"), null=True, blank=True, validators=[MaxValueValidator(body.WIDTH)]
    )
    y = models.PositiveSmallIntegerField(
        _("mark y"), null=True, blank=True, validators=[MaxValueValidator(body.HEIGHT)]
    )
    type = models.CharField(_("type of lesion"), max_length=16, choices=choices.LesionType.choices)
    size = EncryptedCharField(_("size"), max_length=100, blank=True)
    colour = EncryptedCharField(_("colour"), max_length=100, blank=True)
    age_estimate = EncryptedCharField(_("estimated age"), max_length=100, blank=True)
    description = EncryptedTextField(_("description"), blank=True)
    consistency = models.ForeignKey(
        ConsistencyLevel,
        verbose_name=_("consistency with the allegation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    country_field = "examination__allegation__country"
    role_scope = ("allegation", "examination__allegation")

    class Meta:
        verbose_name = _("lesion")
        verbose_name_plural = _("lesions")
        ordering = ("examination", "number")
        constraints = [
            models.UniqueConstraint(
                fields=("examination", "number"), name="cases_lesion_number_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(x__isnull=True, y__isnull=True)
                | models.Q(x__isnull=False, y__isnull=False),
                name="cases_lesion_mark_both_coordinates",
                violation_error_message=_("A mark needs both coordinates."),
            ),
        ]
        triggers = [no_delete]

    def __str__(self) -> str:
        return f"{self.number}. {self.get_type_display()} · {self.get_region_display()}"

    @property
    def allegation(self):
        return self.examination.allegation

    @property
    def allegation_id(self):
        return self.examination.allegation_id

    def clean(self):
        errors: dict = {}
        if self.region:
            views = body.views_of(self.region)
            if not self.view:
                self.view = views[0]
            elif self.view not in views:
                errors["view"] = _("This region cannot be seen on this side of the diagram.")
        if (self.x is None) != (self.y is None):
            errors["x"] = _("A mark needs both coordinates.")
        if errors:
            raise ValidationError(errors)

    def mark(self) -> tuple[str, int, int]:
        """Where its mark is drawn: the place clicked, else the region's centre."""
        if self.x is not None and self.y is not None:
            return self.view, self.x, self.y
        return body.centre(self.region, self.side, self.view or None)


class PsychologicalEvaluation(AllegationPart):
    """The psychological evaluation of the person (Istanbul Protocol 2022, chapter VI):
    symptoms observed, the instruments used and the evaluator's opinion."""

    allegation = models.ForeignKey(
        "cases.Allegation",
        verbose_name=_("allegation"),
        on_delete=models.PROTECT,
        related_name="psychological_evaluations",
    )
    evaluated_on = models.DateField(_("evaluated on"))
    evaluator = EncryptedCharField(_("evaluator"), max_length=200, blank=True)
    place = models.CharField(_("place"), max_length=300, blank=True)
    guards_present = models.CharField(
        _("guards present"),
        max_length=16,
        choices=choices.GuardsPresent.choices,
        default=choices.GuardsPresent.UNKNOWN,
    )
    symptoms = EncryptedTextField(_("symptoms observed"), blank=True)
    instruments = models.CharField(
        _("instruments used"),
        max_length=300,
        blank=True,
        help_text=_("For example HTQ, PCL-5, HSCL-25, a clinical interview."),
    )
    opinion = EncryptedTextField(_("opinion"), blank=True)
    consistency = models.ForeignKey(
        ConsistencyLevel,
        verbose_name=_("overall consistency"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("psychological evaluation")
        verbose_name_plural = _("psychological evaluations")
        ordering = ("evaluated_on",)
        triggers = [no_delete]

    def __str__(self) -> str:
        return f"{self.evaluated_on:%Y-%m-%d} {self.place}".strip()

    def clean(self):
        if self.evaluated_on and self.evaluated_on > timezone.localdate():
            raise ValidationError({"evaluated_on": _("An evaluation cannot be in the future.")})
