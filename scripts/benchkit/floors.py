"""The SQL floors: the least work that produces each figure, as one hand-written query."""

# --- the API --------------------------------------------------------------------------------------

FACILITY_SQL = """
SELECT f.id, f.name, c.code AS country, r.code AS region, t.code AS facility_type,
       a.code AS agency, f.address, f.capacity, f.population, f.is_active,
       (SELECT max(v.ended_on) FROM facilities_visit v WHERE v.facility_id = f.id) AS last_visit_on,
       f.created_at, f.updated_at
FROM facilities_facility f
JOIN facilities_country c ON c.id = f.country_id
JOIN facilities_region r ON r.id = f.region_id
JOIN facilities_facilitytype t ON t.id = f.facility_type_id
JOIN facilities_agency a ON a.id = f.agency_id
WHERE c.code = 'KZ' {where}
ORDER BY f.created_at DESC, f.id DESC LIMIT %(limit)s
"""
VISIT_SQL = """
SELECT v.id, v.facility_id AS facility, t.code AS visit_type, v.announced, v.started_on,
       v.ended_on, v.status, v.persons_held, v.interviews_private, v.interviews_group,
       ARRAY(SELECT o.code FROM facilities_visitobstacle vo
             JOIN facilities_obstacletype o ON o.id = vo.obstacle_type_id
             WHERE vo.visit_id = v.id) AS obstacles,
       v.summary, v.created_at, v.updated_at
FROM facilities_visit v
JOIN facilities_facility f ON f.id = v.facility_id
JOIN facilities_country c ON c.id = f.country_id
JOIN facilities_visittype t ON t.id = v.visit_type_id
WHERE c.code = 'KZ' {where}
ORDER BY v.created_at DESC, v.id DESC LIMIT %(limit)s
"""
ALLEGATION_SQL = """
SELECT al.id, al.reference, al.incident_id AS incident, c.code AS country, s.code AS source,
       al.received_at, al.facility_id AS facility, al.visit_id AS visit,
       p.code AS place_of_incident, al.incident_date,
       ARRAY(SELECT m.code FROM cases_allegation_methods am JOIN cases_method m
             ON m.id = am.method_id WHERE am.allegation_id = al.id) AS methods,
       al.summary, al.urgent, al.reprisal_risk, al.status,
       ARRAY(SELECT cs.destination FROM cases_consent cs
             WHERE cs.allegation_id = al.id AND cs.withdrawn_on IS NULL) AS consent,
       (SELECT json_agg(json_build_object('agency', ag.code, 'unit', pe.unit, 'rank', pe.rank,
                                          'name', pe.name))
          FROM cases_perpetrator pe JOIN facilities_agency ag ON ag.id = pe.agency_id
         WHERE pe.allegation_id = al.id) AS perpetrators,
       vi.sex, vi.is_minor, vi.citizenship, vi.full_name, vi.date_of_birth,
       al.created_at, al.updated_at
FROM cases_allegation al
JOIN facilities_country c ON c.id = al.country_id
JOIN cases_allegationsource s ON s.id = al.source_id
JOIN cases_placeofincident p ON p.id = al.place_of_incident_id
LEFT JOIN cases_victim vi ON vi.allegation_id = al.id
WHERE c.code = 'KZ' {where}
ORDER BY al.created_at DESC, al.id DESC LIMIT %(limit)s
"""
REFERRAL_SQL = """
SELECT r.id, r.reference, r.allegation_id AS allegation, o.code AS prosecutor_office, r.status,
       EXISTS(SELECT 1 FROM cases_consent cs WHERE cs.allegation_id = r.allegation_id
              AND cs.destination = 'prosecutor' AND cs.withdrawn_on IS NULL)
         AS identity_disclosed,
       r.external_number,
       (SELECT min(d.due_at) FROM cases_deadline d
         WHERE d.referral_id = r.id AND d.met_at IS NULL) AS due_at,
       (SELECT json_agg(json_build_object('kind', e.kind, 'occurred_at', e.occurred_at,
                                          'external_number', e.external_number, 'note', e.note)
                        ORDER BY e.occurred_at, e.created_at)
          FROM cases_referralevent e WHERE e.referral_id = r.id) AS events,
       r.created_at, r.updated_at
FROM cases_referral r
JOIN cases_allegation al ON al.id = r.allegation_id
JOIN facilities_country c ON c.id = al.country_id
JOIN cases_prosecutoroffice o ON o.id = r.prosecutor_office_id
WHERE c.code = 'KZ' {where}
ORDER BY r.created_at DESC, r.id DESC LIMIT %(limit)s
"""


# --- reminders ------------------------------------------------------------------------------------

OVERDUE_SQL = """
SELECT d.id, d.clock, d.due_at, r.reference AS referral, al.reference AS allegation,
       u.email, u.id AS officer
FROM cases_deadline d
LEFT JOIN cases_referral r ON r.id = d.referral_id
LEFT JOIN cases_allegation al ON al.id = COALESCE(r.allegation_id, d.allegation_id)
LEFT JOIN auth_user u ON u.id = al.assigned_officer_id
WHERE d.met_at IS NULL AND d.due_at < now() AND d.overdue_notified_at IS NULL
ORDER BY d.due_at LIMIT 500
"""
DIGEST_SQL = """
SELECT u.id, u.email, json_agg(json_build_object('clock', d.clock, 'due_at', d.due_at,
       'subject', COALESCE(r.reference, al.reference)) ORDER BY d.due_at) AS items
FROM cases_deadline d
LEFT JOIN cases_referral r ON r.id = d.referral_id
LEFT JOIN cases_allegation al ON al.id = COALESCE(r.allegation_id, d.allegation_id)
JOIN auth_user u ON u.id = al.assigned_officer_id
WHERE d.met_at IS NULL AND d.due_at <= now() + interval '7 days'
GROUP BY u.id, u.email
"""


# --- reports --------------------------------------------------------------------------------------

STATISTICS_SQL = """
WITH
 v AS (SELECT v.* FROM facilities_visit v JOIN facilities_facility f ON f.id = v.facility_id
       WHERE f.country_id = %(country)s AND v.started_on BETWEEN %(start)s AND %(end)s),
 a AS (SELECT * FROM cases_allegation WHERE country_id = %(country)s
       AND received_at >= %(t0)s AND received_at < %(t1)s),
 r AS (SELECT r.* FROM cases_referral r JOIN cases_allegation al ON al.id = r.allegation_id
       WHERE al.country_id = %(country)s AND EXISTS (SELECT 1 FROM cases_referralevent e
       WHERE e.referral_id = r.id AND e.kind = 'sent'
       AND e.occurred_at >= %(t0)s AND e.occurred_at < %(t1)s)),
 rec AS (SELECT * FROM facilities_recommendation WHERE country_id = %(country)s
         AND issued_on BETWEEN %(start)s AND %(end)s)
SELECT json_build_object(
 'visits', (SELECT count(*) FROM v),
 'unannounced', (SELECT count(*) FROM v WHERE NOT announced),
 'by_type', (SELECT json_object_agg(visit_type_id, n) FROM
             (SELECT visit_type_id, count(*) n FROM v GROUP BY 1) x),
 'obstacles', (SELECT count(*) FROM facilities_visitobstacle o JOIN v ON v.id = o.visit_id),
 'allegations', (SELECT count(*) FROM a),
 'urgent', (SELECT count(*) FROM a WHERE urgent),
 'by_source', (SELECT json_object_agg(source_id, n) FROM
               (SELECT source_id, count(*) n FROM a GROUP BY 1) x),
 'by_place', (SELECT json_object_agg(place_of_incident_id, n) FROM
              (SELECT place_of_incident_id, count(*) n FROM a GROUP BY 1) x),
 'by_method', (SELECT json_object_agg(method_id, n) FROM
               (SELECT am.method_id, count(DISTINCT am.allegation_id) n
                FROM cases_allegation_methods am JOIN a ON a.id = am.allegation_id GROUP BY 1) x),
 'by_agency', (SELECT json_object_agg(agency_id, n) FROM
               (SELECT p.agency_id, count(DISTINCT p.allegation_id) n
                FROM cases_perpetrator p JOIN a ON a.id = p.allegation_id GROUP BY 1) x),
 'by_region', (SELECT json_object_agg(region_id, n) FROM
               (SELECT f.region_id, count(*) n FROM a JOIN facilities_facility f
                ON f.id = a.facility_id GROUP BY 1) x),
 'referrals', (SELECT count(*) FROM r),
 'referral_status', (SELECT json_object_agg(status, n) FROM
                     (SELECT status, count(*) n FROM r GROUP BY 1) x),
 'answers', (SELECT json_build_object('on_time', count(*) FILTER (WHERE met_at <= due_at),
             'late', count(*) FILTER (WHERE met_at > due_at OR met_at IS NULL))
             FROM cases_deadline d JOIN r ON r.id = d.referral_id
             WHERE d.clock = 'referral_answer'),
 'overdue', (SELECT count(*) FROM cases_deadline d WHERE d.country_id = %(country)s
             AND d.started_at < %(t1)s AND d.due_at < %(t1)s
             AND (d.met_at IS NULL OR d.met_at >= %(t1)s)),
 'recommendations', (SELECT json_object_agg(status, n) FROM
                     (SELECT status, count(*) n FROM rec GROUP BY 1) x),
 'stage_medians', (SELECT json_object_agg(from_status, json_build_array(median, n)) FROM
                   (SELECT from_status, percentile_cont(0.5) WITHIN GROUP (ORDER BY days) median,
                           count(*) n
                    FROM (SELECT e.from_status,
                            EXTRACT(EPOCH FROM e.occurred_at - lag(e.occurred_at) OVER (
                              PARTITION BY e.referral_id ORDER BY e.occurred_at, e.created_at))
                            / 86400.0 AS days
                          FROM cases_referralevent e
                          WHERE e.referral_id IN (SELECT id FROM r)) steps
                    WHERE days IS NOT NULL GROUP BY 1) x)
 {annual}
) AS figures
"""
# The annual report adds last year's headline figures (its trends) and recommendations by
# addressee level and status.
ANNUAL_FIGURES = """,
 'previous', (SELECT json_build_array(
    (SELECT count(*) FROM facilities_visit v JOIN facilities_facility f ON f.id = v.facility_id
      WHERE f.country_id = %(country)s AND v.status <> 'cancelled'
      AND v.started_on BETWEEN %(start_p)s AND %(end_p)s),
    (SELECT count(*) FROM cases_allegation WHERE country_id = %(country)s
      AND received_at >= %(t0_p)s AND received_at < %(t1_p)s),
    (SELECT count(*) FROM cases_referral r JOIN cases_allegation al ON al.id = r.allegation_id
      WHERE al.country_id = %(country)s AND EXISTS (SELECT 1 FROM cases_referralevent e
      WHERE e.referral_id = r.id AND e.kind = 'sent'
      AND e.occurred_at >= %(t0_p)s AND e.occurred_at < %(t1_p)s)),
    (SELECT json_object_agg(status, n) FROM (SELECT status, count(*) n
      FROM facilities_recommendation WHERE country_id = %(country)s
      AND issued_on BETWEEN %(start_p)s AND %(end_p)s GROUP BY 1) x))),
 'by_addressee', (SELECT json_agg(x) FROM (SELECT addressee_level, status, count(*) n
                  FROM rec GROUP BY 1, 2) x)
"""
