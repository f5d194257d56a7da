// What the device sends through POST /api/v1/sync/ (CONTRACT.md, "Offline field sync") and
// what it does with the answer. An item (a visit, or a finding, recommendation or allegation
// of one) has a revision ``rev`` raised by every edit; ``synced_rev`` is the revision the
// server has, ``failed_rev`` one the server refused. ``base`` holds the values the server had
// when the device last heard of the record: an update sends only what changed since, with the
// ETag of that copy, and a stale copy comes back as a conflict, never overwritten.

export const PARTS = {
  findings: "finding",
  recommendations: "recommendation",
  allegations: "allegation",
};

const clone = (value) => (value === undefined ? undefined : JSON.parse(JSON.stringify(value)));

// A value read like ``shape``: objects (and lists of objects) keep the keys ``shape`` has.
function like(value, shape) {
  if (Array.isArray(value) && Array.isArray(shape)) {
    return value.map((item, i) => like(item, shape[i] ?? shape[0]));
  }
  if (value && shape && typeof value === "object" && typeof shape === "object" && !Array.isArray(shape)) {
    return Object.fromEntries(Object.keys(shape).map((key) => [key, like(value[key], shape[key])]));
  }
  return value;
}

export function same(a, b) {
  const norm = (v) => (v === undefined || v === "" ? null : v);
  if (Array.isArray(a) && Array.isArray(b) && a.every((x) => typeof x !== "object")) {
    return JSON.stringify([...a].sort()) === JSON.stringify([...b].sort());
  }
  return JSON.stringify(norm(a) ?? null) === JSON.stringify(norm(like(b, a)) ?? null);
}

export function due(item) {
  return !item.conflict && item.rev > Math.max(item.synced_rev || 0, item.failed_rev || 0);
}

export function changes(item) {
  const base = item.base || {};
  return Object.fromEntries(
    Object.entries(item.fields).filter(([name, value]) => !same(value, base[name])));
}

function filled(fields) {
  return Object.fromEntries(
    Object.entries(fields).filter(([, v]) => v !== "" && v !== null && v !== undefined &&
      !(Array.isArray(v) && v.length === 0)));
}

// The next batch: every item due, in an order where each one's visit comes first; at most
// ``max`` operations. A part of a visit not yet on the server goes only with its visit.
export function buildBatch(visits, device, max) {
  const operations = [];
  const refs = [];
  const add = (type, data, ref, target = null, baseEtag = null) => {
    const op_id = crypto.randomUUID();
    operations.push({ op_id, type, data, target, base_etag: baseEtag });
    refs.push({ ...ref, op_id, data: clone(data) });
    return op_id;
  };
  for (const visit of visits) {
    if (operations.length >= max) break;
    let visitRef = visit.server_id;
    if (!visit.server_id) {
      if (!due(visit)) continue;
      const data = { facility: visit.facility, ...filled(visit.fields) };
      visitRef = `op:${add("visit.create", data, { visit: visit.id, rev: visit.rev, create: true })}`;
    } else if (due(visit) && Object.keys(changes(visit)).length) {
      add("visit.update", changes(visit), { visit: visit.id, rev: visit.rev },
        visit.server_id, visit.etag);
    }
    for (const [list, kind] of Object.entries(PARTS)) {
      for (const item of visit[list]) {
        if (operations.length >= max || !due(item)) continue;
        const ref = { visit: visit.id, list, item: item.id, rev: item.rev };
        if (!item.server_id) {
          const extra = kind === "allegation" ? { country: visit.country, facility: visit.facility } : {};
          add(`${kind}.create`, { ...extra, visit: visitRef, ...filled(item.fields) },
            { ...ref, create: true });
        } else if (kind === "allegation" && Object.keys(changes(item)).length) {
          add("allegation.update", changes(item), ref, item.server_id, item.etag);
        }
      }
    }
  }
  if (!operations.length) return null;
  return { device, batch_id: crypto.randomUUID(), operations, refs, attempts: 0 };
}

function itemOf(visits, ref) {
  const visit = visits.find((v) => v.id === ref.visit);
  if (!visit) return null;
  return ref.list ? visit[ref.list].find((i) => i.id === ref.item) : visit;
}

// The server has changed the record since the device's copy. What only the server changed is
// taken; what only the device changed is kept (and sent again with the fresh ETag); a field
// both changed, differently, waits for the monitor's choice (the conflict screen).
export function takeConflict(item, current, etag) {
  const fields = [];
  const base = item.base || {};
  for (const name of Object.keys(item.fields)) {
    if (!(name in current)) continue;
    const theirs = current[name];
    const serverChanged = !same(base[name], theirs);
    const localChanged = !same(item.fields[name], base[name]);
    if (serverChanged && localChanged && !same(item.fields[name], theirs)) {
      fields.push({ name, mine: clone(item.fields[name]), theirs: clone(theirs) });
    } else if (serverChanged && !localChanged) {
      item.fields[name] = like(clone(theirs), item.fields[name]);
    }
  }
  // The server's values where it shows the field; the device's last known ones where it does
  // not (a visit's team is written, never returned).
  const fresh = { ...clone(base), ...Object.fromEntries(Object.keys(item.fields)
    .filter((n) => n in current).map((n) => [n, like(clone(current[n]), item.fields[n])])) };
  if (fields.length) {
    item.conflict = { fields, base: fresh, etag };
  } else {
    item.base = fresh;
    item.etag = etag;
    item.rev += 1;
  }
}

// The monitor's choice per field: "mine" or "theirs".
export function resolveConflict(item, choices) {
  for (const field of item.conflict.fields) {
    item.fields[field.name] = clone(choices[field.name] === "theirs" ? field.theirs : field.mine);
  }
  item.base = item.conflict.base;
  item.etag = item.conflict.etag;
  item.conflict = null;
  item.rev += 1;
}

// The answer to a batch, item by item. Answers counts of what was applied, refused, in conflict.
export function applyResults(visits, outbox, results) {
  const counts = { applied: 0, refused: 0, conflicts: 0 };
  for (const result of results) {
    const ref = outbox.refs.find((r) => r.op_id === result.op_id);
    const item = ref && itemOf(visits, ref);
    if (!item) continue;
    if (result.status === 200 || result.status === 201) {
      item.server_id = result.id;
      item.etag = result.etag;
      item.base = ref.create ? clone(ref.data) : { ...(item.base || {}), ...ref.data };
      item.synced_rev = ref.rev;
      item.errors = null;
      counts.applied += 1;
    } else if (result.status === 409 && result.code === "edit_conflict") {
      takeConflict(item, result.current || {}, result.etag);
      counts.conflicts += 1;
    } else {
      item.errors = result.errors || { "": [result.detail || String(result.status)] };
      if (result.code !== "unknown_reference") item.failed_rev = ref.rev;
      counts.refused += 1;
    }
  }
  return counts;
}

export function pendingCount(visits) {
  let count = 0;
  for (const visit of visits) {
    if (due(visit)) count += 1;
    for (const list of Object.keys(PARTS)) count += visit[list].filter(due).length;
  }
  return count;
}
