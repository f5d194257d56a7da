"""The foundation every app builds on, and which knows no app.

Base models, countries, staff profiles, roles and row-level visibility, the workflow engine,
domain errors, encryption, the audit trail and the read-access log, the working-day calendar,
webhooks, the REST API's base classes and the admin's base classes. Apps tell it about their
models through facts declared on the models (``country_field``, ``role_scope``, confidential
fields) and registrations made in their ``AppConfig.ready()``; it never imports them.
"""
