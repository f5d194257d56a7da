"""The fixed content of the demo data set: its dates, names and texts, and the paths its records
take through their lifecycles."""

from datetime import date

DEMO_MARKER = "Demo data set"
DEMO_GROUP = "Demo staff"
START = date(2023, 1, 9)
END = date(2026, 10, 30)

# (type code, weight, short Russian label used in facility names)
FACILITY_TYPES = [
    ("ivs", 24, "ИВС"),
    ("sizo", 7, "СИЗО"),
    ("penal_colony", 14, "Учреждение"),
    ("colony_settlement", 3, "Колония-поселение"),
    ("special_reception_centre", 6, "Спецприёмник"),
    ("reception_distribution_centre", 3, "Приёмник-распределитель"),
    ("admin_detention_room", 5, "Комната административно задержанных"),
    ("military_guardhouse", 4, "Гауптвахта"),
    ("compulsory_psychiatric", 6, "Психиатрическая больница"),
    ("compulsory_drug_treatment", 3, "Центр принудительного лечения"),
    ("compulsory_tb_treatment", 3, "Противотуберкулёзный диспансер"),
    ("social_residential", 9, "Дом-интернат"),
    ("children_residential", 6, "Детский дом"),
    ("closed_special_education", 2, "Специальная школа закрытого типа"),
    ("juvenile_adaptation_centre", 2, "Центр адаптации несовершеннолетних"),
    ("sobering_centre", 2, "Центр медицинского вытрезвления"),
    ("migrant_holding_centre", 2, "Центр содержания иностранцев"),
]
SURNAMES = {
    "KZ": [
        "Ахметов",
        "Беков",
        "Жумабаев",
        "Искаков",
        "Каримов",
        "Нурланов",
        "Сапаров",
        "Тулегенов",
        "Омаров",
        "Ержанов",
        "Смагулов",
        "Иванов",
        "Ким",
        "Петренко",
    ],
    "KG": [
        "Абдыкадыров",
        "Бакиров",
        "Джумабеков",
        "Исаков",
        "Маматов",
        "Осмонов",
        "Сатыбалдиев",
        "Токтогулов",
        "Уметалиев",
        "Эргешов",
        "Иванов",
        "Юсупов",
    ],
}
GIVEN = {
    "male": [
        "Айдар",
        "Бауыржан",
        "Ерлан",
        "Нурсултан",
        "Азамат",
        "Бакыт",
        "Данияр",
        "Тимур",
        "Улан",
        "Эрмек",
        "Сергей",
        "Руслан",
    ],
    "female": ["Айгуль", "Динара", "Жанар", "Гульнара", "Асель", "Назира", "Мээрим", "Елена"],
}
ORGANISATIONS = {
    "KZ": [
        "ОНК Карагандинской области",
        "Казахстанское бюро по правам человека",
        "Коалиция НПО против пыток",
        "Ассоциация юристов",
    ],
    "KG": ["Кылым Шамы", "Голос свободы", "Адилет", "Ассоциация психиатров"],
}
FINDINGS = {
    "treatment": "Задержанные сообщили о грубом обращении при задержании; следов побоев "
    "не выявлено.",
    "protection_measures": "Журнал регистрации задержанных ведётся с пропусками; время "
    "задержания не всегда указано.",
    "material_conditions": "Камеры без естественного освещения, вентиляция не работает.",
    "regime_activities": "Ежедневная прогулка менее одного часа; нет доступа к библиотеке.",
    "medical_services": "Медицинский осмотр при поступлении проводится не во всех случаях.",
    "personnel": "Штат укомплектован на 70 %; сотрудники не прошли обучение по Стамбульскому "
    "протоколу.",
}
RECOMMENDATIONS = {
    "treatment": "Обеспечить немедленное документирование телесных повреждений при поступлении.",
    "protection_measures": "Вести журнал регистрации с точным временем фактического задержания.",
    "material_conditions": "Восстановить вентиляцию и обеспечить естественное освещение камер.",
    "regime_activities": "Обеспечить ежедневную прогулку продолжительностью не менее часа.",
    "medical_services": "Обеспечить медицинский осмотр каждого поступающего в течение суток.",
    "personnel": "Организовать обучение персонала по Стамбульскому протоколу.",
}
ALLEGATIONS = [
    "Сообщает, что при задержании сотрудники полиции наносили удары по голове и телу.",
    "Сообщает, что в ИВС его заставляли стоять в неудобной позе несколько часов.",
    "Сообщает об угрозах расправой над родственниками с целью получения признания.",
    "Сообщает, что ему отказывали в медицинской помощи после травмы.",
    "Сообщает о применении удушения пакетом во время допроса.",
    "Сообщает, что его держали в наручниках всю ночь без доступа к туалету.",
]
RANKS = ["лейтенант", "старший лейтенант", "капитан", "майор", "сержант", "контролёр"]


# Paths through the referral lifecycle (LIFECYCLES.md); each demo referral follows a prefix of
# one of them, so every stage appears, with real dates, clocks and overdue deadlines.
REFERRAL_PATHS = {
    "KZ": [
        [
            "sent",
            "acknowledged",
            "registered",
            "investigation_extended",
            "sent_to_court",
            "convicted",
        ],
        [
            "sent",
            "registered",
            "terminated",
            "appealed",
            "registered",
            "sent_to_court",
            "acquitted",
        ],
        ["sent", "acknowledged", "refused", "appealed", "refused"],
        ["sent", "forwarded"],
    ],
    "KG": [
        [
            "sent",
            "registered",
            "case_opened",
            "investigation_extended",
            "sent_to_court",
            "convicted",
        ],
        [
            "sent",
            "acknowledged",
            "registered",
            "refused",
            "appealed",
            "registered",
            "case_opened",
            "terminated",
        ],
        ["sent", "forwarded", "appealed", "refused"],
    ],
}
RECOMMENDATION_PATHS = [
    ["issued", "response_received", "accepted", "in_progress", "implemented"],
    ["issued", "response_received", "partially_accepted", "partially_implemented"],
    ["issued", "response_received", "rejected"],
    ["issued", "response_received", "accepted", "not_implemented"],
    ["issued", "obsolete"],
    ["issued"],
]
STEP_INPUTS = {
    "external_number": "261500031000",
    "note": "Решение приобщено к делу.",
    "article": "ст. 146 ч. 2 УК",
    "sentence": "5 лет лишения свободы",
    "addressee": "Генеральная прокуратура",
}
