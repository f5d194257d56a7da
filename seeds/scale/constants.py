"""The fixed quantities of the scale data set: its size, its time line, the weighted walks through
the lifecycles and the texts drawn for records; and the two helpers that draw from them."""

import random
from datetime import UTC, date, datetime, time

RANDOM_SEED = 20260709
FIRST_DAY = date(2016, 1, 1)
LAST_DAY = date(2025, 12, 31)
# Nothing happens after this moment, so the data set does not depend on the day it is built.
HORIZON = datetime(2026, 6, 30, 18, 0, tzinfo=UTC)
SHARES = (("KZ", 0.6), ("KG", 0.4))
PER_SCALE = {
    "facilities": 500,
    "visits": 6_000,
    "allegations": 20_000,
    "recommendations": 30_000,
    "officers": 10,
}
# Marks the scale a database was loaded at (``last_value`` is the scale in thousandths).
SCALE_SCOPE = "seed:scale"
OFFICER_PREFIX = "scale-officer-"
OFFICER_LANGUAGE = "ru"
SCAN_SECONDS = 15 * 60  # the overdue scan's period in production (OVERDUE_SCAN_SECONDS)
BATCH = 4_000

REFERRAL_CLOCKS_MET_BY_SENT = ("urgent_escalation",)

# Next event of a referral by status: (kind, weight); "stop" leaves it where it is.
REFERRAL_WALK = {
    "draft": [("sent", 97), ("stop", 3)],
    "sent": [
        ("acknowledged", 55),
        ("registered", 17),
        ("refused", 13),
        ("forwarded", 9),
        ("stop", 4),
    ],
    "acknowledged": [("registered", 60), ("refused", 25), ("forwarded", 9), ("stop", 6)],
    ("KZ", "registered"): [
        ("investigation_extended", 40),
        ("terminated", 25),
        ("sent_to_court", 30),
        ("stop", 5),
    ],
    ("KG", "registered"): [("case_opened", 82), ("refused", 13), ("stop", 5)],
    "case_opened": [
        ("investigation_extended", 40),
        ("terminated", 25),
        ("sent_to_court", 30),
        ("stop", 5),
    ],
    "in_court": [("convicted", 68), ("acquitted", 27), ("stop", 5)],
    "refused": [("appealed", 45), ("stop", 55)],
    "forwarded": [("appealed", 20), ("stop", 80)],
    "terminated": [("appealed", 45), ("stop", 55)],
    "acquitted": [("appealed", 50), ("stop", 50)],
    "appealed": [("registered", 45), ("refused", 45), ("stop", 10)],
    "convicted": [("stop", 1)],
}
# Where each kind leads (investigation_extended leaves the status as it is).
REFERRAL_TARGET = {
    "sent": "sent",
    "acknowledged": "acknowledged",
    "registered": "registered",
    "case_opened": "case_opened",
    "refused": "refused",
    "forwarded": "forwarded",
    "terminated": "terminated",
    "sent_to_court": "in_court",
    "convicted": "convicted",
    "acquitted": "acquitted",
    "appealed": "appealed",
    "investigation_extended": None,
}
# Days between the previous event and this one: (low, high).
REFERRAL_GAP = {
    "sent": (0, 4),
    "acknowledged": (2, 16),
    "registered": (3, 25),
    "refused": (5, 30),
    "forwarded": (3, 20),
    "case_opened": (2, 15),
    "investigation_extended": (40, 70),
    "terminated": (20, 80),
    "sent_to_court": (25, 75),
    "convicted": (60, 220),
    "acquitted": (60, 220),
    "appealed": (5, 40),
}
REC_WALK = {
    "draft": [("issued", 97), ("stop", 3)],
    "issued": [("response_received", 78), ("obsolete", 4), ("stop", 18)],
    "response_received": [
        ("accepted", 60),
        ("partially_accepted", 22),
        ("rejected", 13),
        ("stop", 5),
    ],
    "accepted": [
        ("in_progress", 35),
        ("implemented", 35),
        ("partially_implemented", 10),
        ("not_implemented", 8),
        ("stop", 12),
    ],
    "partially_accepted": [
        ("in_progress", 35),
        ("implemented", 20),
        ("partially_implemented", 20),
        ("not_implemented", 10),
        ("stop", 15),
    ],
    "in_progress": [
        ("implemented", 45),
        ("partially_implemented", 20),
        ("not_implemented", 15),
        ("obsolete", 3),
        ("stop", 17),
    ],
}
REC_GAP = {
    "issued": (20, 45),
    "response_received": (7, 45),
    "obsolete": (60, 400),
}
ARTICLES = {"KZ": "Art. 146 CC RK", "KG": "Art. 143 CC KR"}
SURNAMES = {
    "KZ": ["Ахметов", "Беков", "Жумабаев", "Исаев", "Касымов", "Нурланов", "Сериков", "Оспанов"],
    "KG": ["Абдыкадыров", "Бакиев", "Жээнбеков", "Исмаилов", "Токтогулов", "Усенов", "Асанов"],
}
GIVEN = ["Айдар", "Бекзат", "Даурен", "Ерлан", "Марат", "Нурлан", "Руслан", "Тимур", "Асель"]
SUMMARIES = [
    "Сообщает об избиении сотрудниками при задержании.",
    "Жалуется на применение наручников в течение длительного времени.",
    "Сообщает об угрозах и психологическом давлении при допросе.",
    "Жалуется на отказ в медицинской помощи после травмы.",
    "Сообщает о принуждении к даче признательных показаний.",
    "Жалуется на содержание в холодной камере без постельных принадлежностей.",
]
REC_TEXTS = [
    "Обеспечить конфиденциальность медицинских осмотров.",
    "Установить видеонаблюдение в помещениях для допросов.",
    "Обеспечить доступ к адвокату с момента фактического задержания.",
    "Улучшить условия освещения и вентиляции в камерах.",
    "Организовать ежедневные прогулки не менее одного часа.",
    "Обеспечить доступ к ящикам для жалоб без присутствия персонала.",
]


def pick(rng: random.Random, weighted) -> str:
    kinds = [k for k, _w in weighted]
    weights = [w for _k, w in weighted]
    return rng.choices(kinds, weights)[0]


def local(day: date, hour: int, minute: int, zone) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=zone).astimezone(UTC)
