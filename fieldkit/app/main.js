// The field kit: a visit captured offline, kept encrypted on the device, synced through
// POST /api/v1/sync/. docs/field.md describes what it stores and how it is protected.
import { createVault, openVault, seal, unseal, Tampered, WrongPassphrase } from "./crypto.js";
import { _, format, ngettext } from "./i18n.js";
import { validate } from "./rules.js";
import { deleteBox, getMeta, putBox, putMeta, allBoxes, wipeEverything } from "./store.js";
import {
  applyResults, buildBatch, due, pendingCount, PARTS, resolveConflict, same,
} from "./sync.js";
import { errorList, h, show } from "./ui.js";

const LABELS = {
  visit_type: _("Visit type"),
  announced: _("Announced beforehand"),
  started_on: _("Started on"),
  ended_on: _("Ended on"),
  persons_held: _("Persons held"),
  interviews_private: _("Private interviews"),
  interviews_group: _("Group interviews"),
  obstacles: _("Obstacles met"),
  summary: _("Summary"),
  "allegation.summary": _("What is alleged"),
  area: _("Area"),
  text: _("Text"),
  source: _("Source"),
  addressee_level: _("Addressed to"),
  addressee_agency: _("Agency addressed"),
  received_at: _("Received at"),
  place_of_incident: _("Place of incident"),
  incident_date: _("Date of the incident"),
  methods: _("Methods alleged"),
  reprisal_risk: _("Risk of reprisal"),
  victim: _("The person"),
  full_name: _("Full name"),
  date_of_birth: _("Date of birth"),
  sex: _("Sex"),
  is_minor: _("Under 18"),
  citizenship: _("Citizenship (two letters)"),
  consent: _("Consent"),
  prosecutor: _("Consents to disclosure to the prosecutor"),
  publication: _("Consents to publication"),
  spt: _("Consents to disclosure to the UN Subcommittee (SPT)"),
  medical_examination: _("Consents to a medical examination"),
  perpetrators: _("Alleged perpetrators"),
  agency: _("Agency"),
  unit: _("Unit"),
  rank: _("Rank"),
  name: _("Name"),
  facility: _("Facility"),
  team: _("Visiting team"),
  organisation: _("Organisation"),
  role: _("Role"),
};
const label = (name, form = "") =>
  LABELS[`${form}.${name}`] || LABELS[name] || LABELS[name.split(".").pop()] || name;

const FORMS = {
  visit: ["visit_type", "announced", "started_on", "ended_on", "persons_held",
    "interviews_private", "interviews_group", "obstacles", "summary"],
  finding: ["area", "text"],
  recommendation: ["source", "addressee_level", "addressee_agency", "area", "text"],
  allegation: ["received_at", "source", "place_of_incident", "incident_date", "methods",
    "summary", "reprisal_risk"],
  victim: ["full_name", "date_of_birth", "sex", "is_minor", "citizenship"],
  consent: ["prosecutor", "publication", "spt", "medical_examination"],
  perpetrator: ["agency", "unit", "rank", "name"],
  team: ["full_name", "organisation", "role"],
};
const LONG_TEXT = new Set(["summary", "text"]);
const BACKOFF_MAX_SECONDS = 120;

const state = {
  data: null, // GET /field/data/: vocabularies, facilities, rules, settings
  key: null, // the data key, in memory only while unlocked
  unlockedAt: 0,
  device: null,
  visits: [],
  planned: [],
  outbox: null,
  tampered: [],
  notice: "",
  syncing: false,
  retryTimer: null,
  screen: ["home"],
};

// ---- storage: every record sealed under the data key ----------------------------------

async function saveVisit(visit) {
  await putBox(await seal(state.key, `visit:${visit.id}`, visit));
}

async function saveOutbox() {
  if (state.outbox) await putBox(await seal(state.key, "outbox", state.outbox));
  else await deleteBox("outbox");
}

async function loadRecords() {
  state.visits = [];
  state.tampered = [];
  state.outbox = null;
  state.planned = [];
  for (const box of await allBoxes()) {
    let value;
    try {
      value = await unseal(state.key, box);
    } catch (error) {
      if (!(error instanceof Tampered)) throw error;
      state.tampered.push(box.id);
      continue;
    }
    if (box.id === "outbox") state.outbox = value;
    else if (box.id === "planned") state.planned = value;
    else state.visits.push(value);
  }
  state.visits.sort((a, b) => (a.created_at < b.created_at ? 1 : -1));
}

// ---- vocabularies ------------------------------------------------------------------------

function vocabulary(name, country) {
  return (state.data.vocabularies[name] || []).filter(
    (item) => !country || !item.country || item.country === country);
}

function nameOf(rule, code, country) {
  if (rule.kind === "choice") return (rule.choices.find(([c]) => c === code) || [code, code])[1];
  if (rule.kind === "vocabulary") {
    const item = vocabulary(rule.vocabulary, country).find((i) => i.code === code);
    return item ? item.name : code;
  }
  return code;
}

function display(rule, value, country) {
  if (value === undefined || value === null || value === "") return "—";
  if (typeof value === "boolean") return value ? _("yes") : _("no");
  if (Array.isArray(value)) {
    return value.map((v) => (typeof v === "object" ? display(rule, v, country) : nameOf(rule, v, country))).join(", ") || "—";
  }
  if (typeof value === "object") {
    return Object.entries(value).filter(([, v]) => v !== "" && v !== null && v !== undefined)
      .map(([k, v]) => `${label(k)}: ${rule.fields && rule.fields[k] ? display(rule.fields[k], v, country) : v}`)
      .join("; ") || "—";
  }
  return String(nameOf(rule, value, country));
}

// ---- forms --------------------------------------------------------------------------------

function inputFor(rule, name, path, value, country, form = "") {
  const id = `f-${path.replace(/\W/g, "-")}`;
  if (rule.kind === "vocabulary" && rule.many) {
    const chosen = new Set(value || []);
    return h("fieldset", { class: "choices", id },
      h("legend", { text: label(name, form) }),
      vocabulary(rule.vocabulary, country).map((item) => h("label", { class: "check" },
        h("input", { type: "checkbox", name: path, value: item.code, checked: chosen.has(item.code) }),
        item.name)));
  }
  let input;
  if (rule.kind === "vocabulary" || rule.kind === "choice") {
    const options = rule.kind === "choice"
      ? rule.choices.map(([code, text]) => ({ code, name: text }))
      : vocabulary(rule.vocabulary, country);
    input = h("select", { name: path, id },
      h("option", { value: "", text: "—" }),
      options.map((o) => h("option", { value: o.code, text: o.name, selected: o.code === value })));
  } else if (rule.kind === "boolean") {
    return h("label", { class: "check" },
      h("input", { type: "checkbox", name: path, id, checked: value === true }), label(name, form));
  } else if (rule.kind === "integer") {
    input = h("input", { type: "number", name: path, id, inputmode: "numeric", min: rule.min_value,
      value: value ?? "" });
  } else if (rule.kind === "date") {
    input = h("input", { type: "date", name: path, id, value: value || "" });
  } else if (rule.kind === "datetime") {
    input = h("input", { type: "datetime-local", name: path, id, value: localTime(value) });
  } else if (LONG_TEXT.has(name)) {
    input = h("textarea", { name: path, id, rows: 4, maxlength: rule.max_length });
    input.value = value || "";
  } else {
    input = h("input", { type: "text", name: path, id, maxlength: rule.max_length, value: value || "" });
  }
  return h("div", { class: "field" }, h("label", { for: id, text: label(name, form) }), input);
}

function localTime(iso) {
  if (!iso) return "";
  const when = new Date(iso);
  const pad = (n) => String(n).padStart(2, "0");
  return `${when.getFullYear()}-${pad(when.getMonth() + 1)}-${pad(when.getDate())}T${pad(when.getHours())}:${pad(when.getMinutes())}`;
}

function readValue(form, rule, path) {
  if (rule.kind === "vocabulary" && rule.many) {
    return [...form.querySelectorAll(`input[name="${path}"]:checked`)].map((i) => i.value);
  }
  const element = form.elements.namedItem(path);
  if (!element) return undefined;
  if (rule.kind === "boolean") return element.checked;
  const text = element.value.trim();
  if (rule.kind === "integer") {
    if (text === "") return rule.allow_null ? null : 0;
    return /^-?\d+$/.test(text) ? Number(text) : text;
  }
  if (rule.kind === "datetime") return text ? new Date(text).toISOString() : "";
  if ((rule.kind === "date" || rule.kind === "choice" || rule.kind === "vocabulary") && text === "") {
    return rule.allow_null ? null : "";
  }
  return text;
}

function readForm(form, rules, names, prefix = "") {
  const values = {};
  for (const name of names) values[name] = readValue(form, rules[name], prefix + name);
  return values;
}

function codesFor(country) {
  return (name) => new Set(
    (name === "countries" ? state.data.vocabularies.countries : vocabulary(name, country))
      .map((i) => i.code));
}

function fieldsOf(rules, names, values, country, prefix = "", form = "") {
  return names.map((name) => inputFor(rules[name], name, prefix + name, values[name], country, form));
}

function formErrors(errors) {
  return errorList(errors, (name) => label(name));
}

// ---- screens ------------------------------------------------------------------------------

function go(...screen) {
  state.screen = screen;
  render();
}

function notice() {
  return state.notice ? h("p", { class: "notice", role: "status", text: state.notice }) : null;
}

function render() {
  updateNet();
  const [screen, ...args] = state.screen;
  if (!state.key) return;
  const screens = { home: homeScreen, start: startScreen, visit: visitScreen,
    allegation: allegationScreen, conflict: conflictScreen };
  show(screens[screen](...args));
}

function statusOf(item) {
  if (item.conflict) return [_("conflict: your choice is needed"), "conflict"];
  if (item.errors && !due(item)) return [_("refused by the server: correct it"), "error"];
  if (due(item)) return [_("waiting to be synced"), "pending"];
  return [_("synced"), "synced"];
}

function badge(item) {
  const [text, kind] = statusOf(item);
  return h("span", { class: `state ${kind}`, text });
}

function homeScreen() {
  const pending = pendingCount(state.visits);
  const conflicts = state.visits.some((v) => v.conflict || v.allegations.some((a) => a.conflict));
  return [
    notice(),
    state.tampered.length ? h("p", { class: "errors", role: "alert", text: ngettext(
      "A record on this device has been altered and cannot be read: it is not used or synced.",
      "%(count)s records on this device have been altered and cannot be read: they are not used or synced.",
      state.tampered.length).replace("%(count)s", state.tampered.length) }) : null,
    h("section", { class: "toolbar" },
      h("button", { type: "button", class: "primary", onclick: () => go("start"), text: _("Start a visit") }),
      h("button", { type: "button", id: "sync", onclick: () => syncNow(true), disabled: state.syncing,
        text: state.syncing ? _("Syncing…") : _("Sync now") }),
      h("button", { type: "button", onclick: lock, text: _("Lock") })),
    h("p", { id: "pending", text: pending
      ? format(ngettext("{count} change waiting to be synced.", "{count} changes waiting to be synced.", pending), { count: pending })
      : _("Nothing waiting to be synced.") }),
    conflicts ? h("button", { type: "button", class: "warning", onclick: () => go("conflict"),
      text: _("Resolve conflicts") }) : null,
    h("h2", { text: _("Visits on this device") }),
    state.visits.length ? h("ul", { class: "cards" }, state.visits.map((visit) => h("li", {},
      h("button", { type: "button", class: "card", onclick: () => go("visit", visit.id) },
        h("strong", { text: visit.facility_name }),
        h("span", { text: visit.fields.started_on || "" }),
        badge(visit))))) : h("p", { text: _("No visit yet.") }),
    h("details", { class: "danger" },
      h("summary", { text: _("Wipe this device") }),
      h("p", { text: _("Erases everything the field kit holds on this device: visits not synced are lost.") }),
      h("button", { type: "button", class: "danger", id: "wipe", onclick: wipeAsked, text: _("Wipe this device") })),
  ];
}

function startScreen() {
  const rules = state.data.rules.visit;
  const facilities = state.data.facilities;
  const form = h("form", { id: "start", novalidate: true, onsubmit: (event) => {
    event.preventDefault();
    const facility = facilities.find((f) => f.id === form.elements.facility.value);
    const values = readForm(form, rules, ["visit_type", "started_on"]);
    const errors = validate({ visit_type: rules.visit_type, started_on: rules.started_on }, values,
      codesFor(facility && facility.country));
    if (!facility) errors.facility = [rules.facility.messages.required];
    if (Object.keys(errors).length) return showErrors(form, errors);
    newVisit({ facility, fields: { ...values, announced: false, interviews_private: 0,
      interviews_group: 0, obstacles: [], summary: "" } });
  } },
  h("div", { class: "field" }, h("label", { for: "f-facility", text: _("Facility") }),
    h("select", { name: "facility", id: "f-facility", onchange: () => {
      // The visit types of the facility's country (and the shared ones) only.
      const chosen = facilities.find((f) => f.id === form.elements.facility.value);
      form.querySelector("#f-visit_type").closest(".field").replaceWith(inputFor(
        rules.visit_type, "visit_type", "visit_type", form.elements.visit_type.value,
        chosen && chosen.country));
    } }, h("option", { value: "", text: "—" }),
      facilities.map((f) => h("option", { value: f.id, text: `${f.name} (${f.country}, ${f.type})` })))),
  fieldsOf(rules, ["visit_type", "started_on"], { started_on: today() }, null),
  h("button", { type: "submit", class: "primary", text: _("Start the visit") }));
  return [
    h("button", { type: "button", class: "back", onclick: () => go("home"), text: _("Back") }),
    state.planned.length ? h("section", {}, h("h2", { text: _("Planned visits of your team") }),
      h("ul", { class: "cards" }, state.planned.map((p) => h("li", {},
        h("button", { type: "button", class: "card", onclick: () => startPlanned(p) },
          h("strong", { text: facilityName(p.facility) }), h("span", { text: p.started_on })))))) : null,
    h("h2", { text: _("A new visit") }),
    form,
  ];
}

function today() {
  return localTime(new Date().toISOString()).slice(0, 10);
}

function facilityName(id) {
  const facility = state.data.facilities.find((f) => f.id === id);
  return facility ? facility.name : id;
}

function newItem(fields) {
  return { id: crypto.randomUUID(), server_id: null, etag: null, base: null, fields, rev: 1,
    synced_rev: 0, failed_rev: 0, errors: null, conflict: null };
}

async function newVisit({ facility, fields }) {
  const visit = { ...newItem(fields), facility: facility.id, facility_name: facility.name,
    country: facility.country, created_at: new Date().toISOString(), findings: [],
    recommendations: [], allegations: [] };
  state.visits.unshift(visit);
  await saveVisit(visit);
  go("visit", visit.id);
}

async function startPlanned(planned) {
  const existing = state.visits.find((v) => v.server_id === planned.id);
  if (existing) return go("visit", existing.id);
  const facility = state.data.facilities.find((f) => f.id === planned.facility) ||
    { id: planned.facility, name: planned.facility, country: null };
  const fields = Object.fromEntries(FORMS.visit.map((name) => [name, planned[name]]));
  const visit = { ...newItem(fields), server_id: planned.id, etag: planned.etag,
    base: JSON.parse(JSON.stringify(fields)), rev: 0, facility: facility.id,
    facility_name: facility.name, country: facility.country, created_at: new Date().toISOString(),
    findings: [], recommendations: [], allegations: [] };
  state.visits.unshift(visit);
  await saveVisit(visit);
  go("visit", visit.id);
}

function visitById(id) {
  return state.visits.find((v) => v.id === id);
}

function visitScreen(id) {
  const visit = visitById(id);
  if (!visit) return homeScreen();
  const rules = state.data.rules;
  const country = visit.country;
  // The team is sent with the visit when it is created; afterwards it is kept in the admin.
  const team = visit.server_id ? null : [...(visit.fields.team || []), {}];
  const form = h("form", { id: "visit-form", novalidate: true, onsubmit: async (event) => {
    event.preventDefault();
    const values = readForm(form, rules.visit, FORMS.visit);
    const checked = pick(rules.visit, FORMS.visit);
    if (team) {
      values.team = team.map((_m, i) => readForm(form, rules.visit.team.fields, FORMS.team, `team.${i}.`))
        .filter((m) => m.full_name || m.organisation);
      checked.team = rules.visit.team;
    }
    const errors = validate(checked, values, codesFor(country));
    if (Object.keys(errors).length) return showErrors(form, errors);
    if (!Object.keys(values).every((name) => same(values[name], visit.fields[name]))) {
      visit.fields = { ...visit.fields, ...values };
      visit.rev += 1;
      visit.errors = null;
      await saveVisit(visit);
    }
    state.notice = _("The visit is saved on this device.");
    render();
  } }, fieldsOf(rules.visit, FORMS.visit, visit.fields, country),
  team ? h("fieldset", { id: "team" }, h("legend", { text: label("team") }),
    team.map((member, i) => h("div", { class: "row" },
      fieldsOf(rules.visit.team.fields, FORMS.team, { role: "member", ...member }, country, `team.${i}.`)))) : null,
  h("button", { type: "submit", class: "primary", text: _("Save the visit") }));
  if (visit.conflict) form.querySelectorAll("input, select, textarea, button").forEach((e) => { e.disabled = true; });
  return [
    h("button", { type: "button", class: "back", onclick: () => { state.notice = ""; go("home"); }, text: _("Back") }),
    notice(),
    h("h2", {}, visit.facility_name, " ", badge(visit)),
    visit.conflict ? h("button", { type: "button", class: "warning", onclick: () => go("conflict"),
      text: _("Resolve conflicts") }) : null,
    errorList(visit.errors, (n) => label(n)),
    form,
    partSection(visit, "findings", "finding", _("Findings"), _("Add the finding")),
    partSection(visit, "recommendations", "recommendation", _("Recommendations"), _("Add the recommendation")),
    h("section", { class: "part" }, h("h3", { text: _("Allegations") }),
      h("ul", { class: "cards", id: "allegations" }, visit.allegations.map((item) => h("li", {},
        h("button", { type: "button", class: "card", onclick: () => go("allegation", visit.id, item.id) },
          h("strong", { text: nameOf(rules.allegation.place_of_incident, item.fields.place_of_incident, country) }),
          h("span", { text: (item.fields.summary || "").slice(0, 80) }), badge(item))))),
      h("button", { type: "button", id: "add-allegation", onclick: () => go("allegation", visit.id, null),
        text: _("Record an allegation") })),
  ];
}

function pick(object, names) {
  return Object.fromEntries(names.filter((n) => n in object).map((n) => [n, object[n]]));
}

function showErrors(form, errors) {
  form.querySelector(".errors")?.remove();
  form.prepend(formErrors(errors));
  form.scrollIntoView();
}

function partSection(visit, list, kind, title, addText) {
  const rules = state.data.rules[kind];
  const names = FORMS[kind];
  const defaults = kind === "recommendation" ? { source: "visit_report", addressee_level: "facility" } : {};
  const form = h("form", { id: `add-${kind}`, class: "add", novalidate: true, onsubmit: async (event) => {
    event.preventDefault();
    const values = readForm(form, rules, names);
    const errors = validate(pick(rules, names), values, codesFor(visit.country));
    if (Object.keys(errors).length) return showErrors(form, errors);
    visit[list].push(newItem(values));
    await saveVisit(visit);
    state.notice = _("Saved on this device.");
    render();
  } }, fieldsOf(rules, names, defaults, visit.country),
  h("button", { type: "submit", text: addText }));
  return h("section", { class: "part" }, h("h3", { text: title }),
    h("ul", { class: "items", id: list }, visit[list].map((item) => h("li", {},
      h("strong", { text: `${nameOf(rules.area, item.fields.area, visit.country)}: ` }),
      item.fields.text, " ", badge(item), errorList(item.errors, (n) => label(n))))),
    form);
}

function allegationScreen(visitId, itemId) {
  const visit = visitById(visitId);
  const item = itemId ? visit.allegations.find((a) => a.id === itemId) : null;
  const rules = state.data.rules.allegation;
  const fields = item ? item.fields : { received_at: new Date().toISOString(), source: "visit_interview" };
  const perpetrators = [...(fields.perpetrators || []), {}];
  const form = h("form", { id: "allegation-form", novalidate: true, onsubmit: async (event) => {
    event.preventDefault();
    const values = readForm(form, rules, FORMS.allegation);
    values.victim = readForm(form, rules.victim.fields, FORMS.victim, "victim.");
    values.consent = readForm(form, rules.consent.fields, FORMS.consent, "consent.");
    values.perpetrators = perpetrators.map((_p, i) => readForm(
      form, rules.perpetrators.fields, FORMS.perpetrator, `perpetrators.${i}.`))
      .filter((p) => Object.values(p).some((v) => v));
    const errors = validate({ ...pick(rules, FORMS.allegation), victim: rules.victim,
      consent: rules.consent, perpetrators: rules.perpetrators }, values, codesFor(visit.country));
    if (Object.keys(errors).length) return showErrors(form, errors);
    if (item) {
      if (!Object.keys(values).every((n) => same(values[n], item.fields[n]))) {
        item.fields = { ...item.fields, ...values };
        item.rev += 1;
        item.errors = null;
      }
    } else {
      visit.allegations.push(newItem(values));
    }
    await saveVisit(visit);
    state.notice = _("The allegation is saved on this device.");
    go("visit", visit.id);
  } },
  fieldsOf(rules, FORMS.allegation, fields, visit.country, "", "allegation"),
  h("fieldset", {}, h("legend", { text: label("victim") }),
    fieldsOf(rules.victim.fields, FORMS.victim, fields.victim || {}, visit.country, "victim.")),
  h("fieldset", {}, h("legend", { text: label("consent") }),
    fieldsOf(rules.consent.fields, FORMS.consent, fields.consent || {}, visit.country, "consent.")),
  h("fieldset", {}, h("legend", { text: label("perpetrators") }),
    perpetrators.map((p, i) => h("div", { class: "row" },
      fieldsOf(rules.perpetrators.fields, FORMS.perpetrator, p, visit.country, `perpetrators.${i}.`)))),
  h("button", { type: "submit", class: "primary", text: _("Save the allegation") }));
  if (item && item.conflict) form.querySelectorAll("input, select, textarea, button").forEach((e) => { e.disabled = true; });
  return [
    h("button", { type: "button", class: "back", onclick: () => go("visit", visit.id), text: _("Back") }),
    h("h2", { text: item ? _("Allegation") : _("Record an allegation") }),
    h("p", { class: "hint", text: _("Recorded in a private interview. Kept encrypted on this device until it is synced.") }),
    item ? errorList(item.errors, (n) => label(n)) : null,
    form,
  ];
}

function conflictScreen() {
  const sections = [];
  for (const visit of state.visits) {
    const items = [[visit, "visit"], ...visit.allegations.map((a) => [a, "allegation"])];
    for (const [item, kind] of items) {
      if (!item.conflict) continue;
      const rules = state.data.rules[kind];
      const form = h("form", { class: "conflict", onsubmit: async (event) => {
        event.preventDefault();
        const choices = Object.fromEntries(item.conflict.fields.map((f) => [f.name,
          (form.querySelector(`input[name="${f.name}"]:checked`) || {}).value]));
        if (Object.values(choices).some((c) => !c)) {
          form.querySelector(".errors")?.remove();
          form.prepend(h("p", { class: "errors", role: "alert", text: _("Choose one value for every field.") }));
          return;
        }
        resolveConflict(item, choices);
        await saveVisit(visit);
        state.notice = _("Your choices are saved; they are sent at the next sync.");
        go(state.visits.some((v) => v.conflict || v.allegations.some((a) => a.conflict)) ? "conflict" : "home");
        syncNow();
      } },
      h("h3", { text: kind === "visit" ? `${_("Visit")}: ${visit.facility_name}` : `${_("Allegation")}: ${visit.facility_name}` }),
      h("p", { class: "hint", text: _("This record was changed on the server after this device last saw it. For each field, choose the value to keep.") }),
      item.conflict.fields.map((f) => h("fieldset", { class: "choice-row", "data-field": f.name },
        h("legend", { text: label(f.name, kind) }),
        h("label", { class: "check" }, h("input", { type: "radio", name: f.name, value: "mine" }),
          h("span", { text: `${_("On this device")}: ${display(rules[f.name] || {}, f.mine, visit.country)}` })),
        h("label", { class: "check" }, h("input", { type: "radio", name: f.name, value: "theirs" }),
          h("span", { text: `${_("On the server")}: ${display(rules[f.name] || {}, f.theirs, visit.country)}` })))),
      h("button", { type: "submit", class: "primary", text: _("Keep my choices") }));
      sections.push(form);
    }
  }
  return [
    h("button", { type: "button", class: "back", onclick: () => go("home"), text: _("Back") }),
    h("h2", { text: _("Conflicts") }),
    sections.length ? sections : h("p", { text: _("No conflict left.") }),
  ];
}

// ---- lock, unlock, wipe ------------------------------------------------------------------

function lockScreen(vault, message = "") {
  const setup = !vault;
  const settings = state.data.settings;
  const form = h("form", { id: "unlock", novalidate: true, onsubmit: async (event) => {
    event.preventDefault();
    const passphrase = form.elements.passphrase.value;
    form.querySelector(".errors")?.remove();
    const fail = (text) => form.prepend(h("p", { class: "errors", role: "alert", text }));
    if (setup) {
      if (passphrase.length < settings.min_passphrase_length) {
        return fail(format(_("The passphrase must have at least {count} characters."),
          { count: settings.min_passphrase_length }));
      }
      if (passphrase !== form.elements.again.value) return fail(_("The two passphrases differ."));
      button.disabled = true;
      const made = await createVault(passphrase, settings.pbkdf2_iterations);
      await putMeta("vault", made.vault);
      await putMeta("failures", 0);
      await putMeta("device", crypto.randomUUID());
      return unlocked(made.key);
    }
    button.disabled = true;
    try {
      const key = await openVault(passphrase, vault);
      await putMeta("failures", 0);
      return unlocked(key);
    } catch (error) {
      if (!(error instanceof WrongPassphrase)) throw error;
      const failures = ((await getMeta("failures")) || 0) + 1;
      const limit = vault.wipe_after || settings.wipe_after_failures;
      if (failures >= limit) {
        await wipeEverything();
        return wiped(_("Too many wrong passphrases: everything the field kit held on this device was erased."));
      }
      await putMeta("failures", failures);
      button.disabled = false;
      form.elements.passphrase.value = "";
      return fail(format(ngettext(
        "Wrong passphrase. {count} attempt left before this device is wiped.",
        "Wrong passphrase. {count} attempts left before this device is wiped.", limit - failures),
      { count: limit - failures }));
    }
  } },
  h("div", { class: "field" }, h("label", { for: "passphrase", text: setup ? _("Choose a passphrase") : _("Passphrase") }),
    h("input", { type: "password", id: "passphrase", name: "passphrase", autocomplete: setup ? "new-password" : "current-password" })),
  setup ? h("div", { class: "field" }, h("label", { for: "again", text: _("The passphrase again") }),
    h("input", { type: "password", id: "again", name: "again", autocomplete: "new-password" })) : null);
  const button = h("button", { type: "submit", class: "primary", text: setup ? _("Protect this device") : _("Unlock") });
  form.append(button);
  show(
    h("h2", { text: setup ? _("Protect this device") : _("Unlock the field kit") }),
    message ? h("p", { class: "notice", role: "status", text: message }) : null,
    h("p", { class: "hint", text: setup
      ? _("Everything you record is encrypted on this device under a key only this passphrase opens. It is not sent anywhere and cannot be recovered: if you forget it, wipe the device and start again.")
      : format(_("After {count} wrong passphrases in a row, the device is wiped."), { count: vault.wipe_after || settings.wipe_after_failures }) }),
    form,
    setup ? null : h("details", { class: "danger" }, h("summary", { text: _("Wipe this device") }),
      h("button", { type: "button", class: "danger", id: "wipe", onclick: wipeAsked, text: _("Wipe this device") })),
  );
  form.elements.passphrase.focus();
}

async function unlocked(key) {
  state.key = key;
  state.unlockedAt = Date.now();
  state.device = await getMeta("device");
  await loadRecords();
  state.screen = ["home"];
  render();
  refreshPlanned();
  if (navigator.onLine && (state.outbox || pendingCount(state.visits))) syncNow();
}

function lock(message = "") {
  state.key = null;
  state.visits = [];
  state.planned = [];
  state.outbox = null;
  clearTimeout(state.retryTimer);
  getMeta("vault").then((vault) => lockScreen(vault, typeof message === "string" ? message : ""));
}

function wiped(message) {
  state.key = null;
  state.visits = [];
  show(h("h2", { text: _("This device was wiped") }), h("p", { role: "status", id: "wiped", text: message }),
    h("p", {}, h("a", { href: "/field/", text: _("Open the field kit again") })));
}

async function wipeAsked() {
  if (!window.confirm(_("Erase everything the field kit holds on this device? Visits not synced are lost."))) return;
  await wipeEverything();
  wiped(_("Everything the field kit held on this device was erased."));
}

// ---- sync --------------------------------------------------------------------------------

async function getJson(url) {
  const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
  const json = response.headers.get("Content-Type")?.includes("json") ? await response.json() : null;
  return { response, json };
}

async function refreshPlanned() {
  if (!navigator.onLine || !state.key) return;
  try {
    const { response, json } = await getJson("/field/planned/");
    if (response.ok && json) {
      state.planned = json.results;
      await putBox(await seal(state.key, "planned", state.planned));
    }
  } catch {
    // offline: the planned visits stored stay
  }
}

function retryLater(reason) {
  state.outbox.attempts += 1;
  const seconds = Math.min(BACKOFF_MAX_SECONDS, 2 ** state.outbox.attempts) * (0.75 + Math.random() / 2);
  clearTimeout(state.retryTimer);
  state.retryTimer = setTimeout(() => syncNow(), seconds * 1000);
  return format(_("{reason} Trying again in {seconds} s."), { reason, seconds: Math.round(seconds) });
}

async function syncNow(asked = false) {
  if (!state.key || state.syncing) return;
  if (!navigator.onLine) {
    if (asked) { state.notice = _("No network: the work stays on this device and is sent when the network is back."); render(); }
    return;
  }
  state.syncing = true;
  render();
  try {
    state.notice = await syncRounds();
  } finally {
    state.syncing = false;
    if (state.key) render();
  }
}

async function syncRounds() {
  const session = await getJson(`/field/session/?device=${state.device}`).catch(() => null);
  if (!session) {
    state.outbox = state.outbox || buildBatch(state.visits, state.device, state.data.settings.max_operations);
    if (!state.outbox) return _("The server cannot be reached.");
    await saveOutbox();
    return retryLater(_("The server cannot be reached."));
  }
  if (!session.response.ok || !session.json) {
    return _("Your session has ended: log in again (online) to sync. The work stays on this device.");
  }
  if (session.json.device.revoked) return revoked();
  const csrf = session.json.csrf_token;
  let applied = 0;
  for (let round = 0; round < 50; round += 1) {
    if (!state.outbox) {
      state.outbox = buildBatch(state.visits, state.device, state.data.settings.max_operations);
      if (!state.outbox) break;
      await saveOutbox(); // before it is sent: a lost answer resends the same batch
    }
    const { device, batch_id, operations } = state.outbox;
    let response;
    try {
      response = await fetch("/api/v1/sync/", {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", Accept: "application/json",
          "X-CSRFToken": csrf, "Accept-Language": document.documentElement.lang },
        body: JSON.stringify({ device, batch_id, operations }),
      });
    } catch {
      await saveOutbox();
      return retryLater(_("The connection was lost."));
    }
    const json = response.headers.get("Content-Type")?.includes("json") ? await response.json() : {};
    if (response.status === 403 && json.code === "device_revoked") return revoked();
    if (response.status === 403 || response.status === 401) {
      return _("Your session has ended: log in again (online) to sync. The work stays on this device.");
    }
    if (response.status === 429 || response.status >= 500) {
      await saveOutbox();
      return retryLater(_("The server is busy."));
    }
    if (!response.ok) {
      state.outbox = null;
      await saveOutbox();
      return format(_("The server refused the batch: {detail}"), { detail: json.detail || response.status });
    }
    const counts = applyResults(state.visits, state.outbox, json.results);
    applied += counts.applied;
    for (const visit of state.visits) await saveVisit(visit);
    state.outbox = null;
    await saveOutbox();
    if (counts.conflicts) {
      await reportStatus(csrf);
      return _("Some records changed on the server meanwhile: choose what to keep.");
    }
    if (!counts.applied) break;
  }
  await reportStatus(csrf);
  const refused = state.visits.some((v) => (v.errors && !due(v)) ||
    Object.keys(PARTS).some((list) => v[list].some((i) => i.errors && !due(i))));
  if (refused) return _("Some records were refused by the server: correct them and sync again.");
  return applied ? format(ngettext("{count} record synced.", "{count} records synced.", applied), { count: applied })
    : _("Everything is synced.");
}

async function reportStatus(csrf) {
  try {
    await fetch("/field/status/", {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify({ device: state.device, pending: pendingCount(state.visits) }),
    });
  } catch {
    // reported at the next sync
  }
}

async function revoked() {
  await wipeEverything();
  wiped(_("This device was revoked by your NPM: everything the field kit held on it was erased."));
  return "";
}

// ---- start -------------------------------------------------------------------------------

function updateNet() {
  const net = document.getElementById("net");
  if (!net) return;
  net.textContent = navigator.onLine ? _("online") : _("offline");
  net.className = `badge ${navigator.onLine ? "online" : "offline"}`;
}

async function boot() {
  updateNet();
  window.addEventListener("online", () => { updateNet(); syncNow(); });
  window.addEventListener("offline", updateNet);
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/field/sw.js", { scope: "/field/" });
  }
  try {
    const { response, json } = await getJson("/field/data/");
    if (!response.ok || !json) throw new Error(String(response.status));
    state.data = json;
  } catch {
    show(h("h2", { text: _("The field kit is not ready on this device") }),
      h("p", { text: _("Log in to the NPM Tracker once with the network on and open the field kit: it then works offline.") }),
      h("p", {}, h("a", { href: "/admin/login/?next=/field/", text: _("Log in") })));
    return;
  }
  // The session of the field kit ends as the admin's does: locked after the same time.
  setInterval(() => {
    if (state.key && Date.now() - state.unlockedAt > state.data.settings.session_seconds * 1000) {
      lock(_("Locked: the session has ended. Enter the passphrase again."));
    }
  }, 15000);
  const vault = await getMeta("vault");
  if (vault && !vault.wipe_after) vault.wipe_after = state.data.settings.wipe_after_failures;
  lockScreen(vault);
}

boot();
