"""Disease profiles a campaign can start from. Adding one touches only this file."""

import datetime as dt
from decimal import Decimal

# Symptom codes are stable: check-ins and the API name symptoms by code.
PRESETS: dict[str, dict] = {
    "covid19": {
        "name": "新型冠状病毒感染的肺炎疫情防控",
        "disease": "COVID-19",
        "symptoms": [
            {"code": "fever", "label": "发热"},
            {"code": "cough", "label": "干咳"},
            {"code": "fatigue", "label": "乏力"},
            {"code": "dyspnea", "label": "呼吸困难"},
            {"code": "sore_throat", "label": "咽痛"},
            {"code": "diarrhea", "label": "腹泻"},
            {"code": "loss_of_smell", "label": "嗅觉味觉减退"},
        ],
        "fever_threshold": Decimal("37.3"),
        "incubation_days": 14,
        "quarantine_days": 14,
        # Close contacts from four days before discovery; a carer calls daily; release after
        # a negative nucleic-acid test; three febrile people in a class in a week are a cluster.
        "contact_window_days": 4,
        "care_contact_days": 1,
        "release_needs_test": True,
        "cluster_size": 3,
        "cluster_days": 7,
        # As in the seeds: Hubei was the key area from January 2020.
        "key_areas": [
            {"division": "420000", "risk_level": "high", "from_date": dt.date(2020, 1, 1)}
        ],
    },
    "influenza": {
        "name": "季节性流感防控",
        "disease": "Seasonal influenza",
        "symptoms": [
            {"code": "fever", "label": "发热"},
            {"code": "cough", "label": "咳嗽"},
            {"code": "sore_throat", "label": "咽痛"},
            {"code": "muscle_ache", "label": "肌肉酸痛"},
            {"code": "headache", "label": "头痛"},
            {"code": "runny_nose", "label": "流涕"},
        ],
        "fever_threshold": Decimal("37.5"),
        "incubation_days": 4,
        "quarantine_days": 7,
        # The school rule: five similar cases in one class within a week (学校传染病报告).
        "contact_window_days": 2,
        "care_contact_days": 1,
        "cluster_size": 5,
        "cluster_days": 7,
        "exception_reporting": True,
        "unchanged_valid_days": 3,
        "key_areas": [],
    },
}
