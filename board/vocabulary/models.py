"""Seeded, admin-editable vocabularies referenced by code."""

from sqlalchemy import Boolean, String
from sqlalchemy.orm import Mapped, mapped_column

from board.common.models import Versioned
from board.extensions import db


class Specialty(Versioned, db.Model):
    __tablename__ = "specialties"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)


class DiseaseSite(Versioned, db.Model):
    __tablename__ = "disease_sites"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)


# The specialties a Commission on Cancer conference needs, and the rest a board may ask for.
SPECIALTIES = {
    "surgical_oncology": "Surgical oncology",
    "medical_oncology": "Medical oncology",
    "radiation_oncology": "Radiation oncology",
    "radiology": "Diagnostic radiology",
    "pathology": "Pathology",
    "genetics": "Genetics",
    "palliative_care": "Palliative care",
    "nurse_navigation": "Nurse navigation",
    "clinical_trials": "Clinical trials",
    "neurosurgery": "Neurosurgery",
    "hematology": "Hematology",
    "gynecologic_oncology": "Gynecologic oncology",
    "urology": "Urology",
    "head_neck_surgery": "Head and neck surgery",
    "thoracic_surgery": "Thoracic surgery",
    "gastroenterology": "Gastroenterology",
}

DISEASE_SITES = {
    "breast": "Breast",
    "lung": "Lung",
    "thoracic_other": "Thoracic (other)",
    "colorectal": "Colorectal",
    "pancreas": "Pancreas",
    "upper_gi": "Upper GI",
    "liver": "Liver and biliary",
    "prostate": "Prostate",
    "bladder": "Bladder",
    "kidney": "Kidney",
    "ovary": "Ovary",
    "uterus": "Uterus",
    "cervix": "Cervix",
    "head_neck": "Head and neck",
    "brain": "Brain and CNS",
    "lymphoma": "Lymphoma",
}
