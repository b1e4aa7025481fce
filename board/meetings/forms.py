"""The outcome form of one case in meeting mode."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from board.common.templating import enum_options
from board.meetings.models import Concordance


class OutcomeForm(FlaskForm):
    """One case's outcome; prefixed per case so a page can hold one form per case."""

    class Meta:
        csrf = False  # the app checks every POST's CSRF token before any view runs

    discussed = BooleanField("Discussed at this meeting", default=True)
    recommendation = TextAreaField("Board recommendation", validators=[Length(max=4000)])
    concordance = RadioField(
        "Concordance with the first opinion",
        choices=[SelectChoice(value, label) for value, label in enum_options(Concordance)],
        validators=[Optional()],
        validate_choice=True,
    )
    differed_in_diagnosis = BooleanField("Diagnosis")
    differed_in_stage = BooleanField("Stage")
    differed_in_treatment = BooleanField("Treatment")
    stage_discussed = BooleanField("Stage (AJCC) discussed")
    guidelines_discussed = BooleanField("National guidelines discussed")
    trials_discussed = BooleanField("Clinical-trial options discussed")
    follow_up_by = StringField("Who follows up", validators=[Length(max=200)])

    def outcome_data(self) -> dict:
        """The form's values in the service's terms."""
        return {
            "discussed": self.discussed.data,
            "recommendation": (self.recommendation.data or "").strip(),
            "concordance": Concordance(self.concordance.data) if self.concordance.data else None,
            "differed_in_diagnosis": self.differed_in_diagnosis.data,
            "differed_in_stage": self.differed_in_stage.data,
            "differed_in_treatment": self.differed_in_treatment.data,
            "stage_discussed": self.stage_discussed.data,
            "guidelines_discussed": self.guidelines_discussed.data,
            "trials_discussed": self.trials_discussed.data,
            "follow_up_by": (self.follow_up_by.data or "").strip(),
        }
