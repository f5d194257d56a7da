// The server's rules for each form (GET /field/data/ "rules", read from the serializers the
// sync uses) applied on the device, with the server's own messages in the user's language.
import { format } from "./i18n.js";

const DATE = /^\d{4}-\d{2}-\d{2}$/;

function empty(value) {
  return value === undefined || value === null || value === "" ||
    (Array.isArray(value) && value.length === 0);
}

function message(rule, key, values = {}) {
  return format(rule.messages[key] || rule.messages.invalid || key, values);
}

function validDate(text) {
  if (!DATE.test(text)) return false;
  const day = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(day.getTime()) && day.toISOString().startsWith(text);
}

// One value against its rule: a list of messages (empty when valid). ``codes`` gives the codes
// a vocabulary field may take.
export function check(rule, value, codes) {
  if (empty(value)) {
    if (value === null && !rule.allow_null && !rule.required) return [message(rule, "null")];
    if (!rule.required) return [];
    if (value === "" && rule.kind === "text") return [message(rule, "blank")];
    return [message(rule, "required")];
  }
  const values = rule.many ? value : [value];
  const errors = [];
  for (const item of values) {
    switch (rule.kind) {
      case "text":
        if (typeof item !== "string") errors.push(message(rule, "invalid"));
        else if (rule.max_length && item.length > rule.max_length)
          errors.push(message(rule, "max_length", { max_length: rule.max_length }));
        else if (rule.pattern && !new RegExp(rule.pattern).test(item))
          errors.push(message(rule, "invalid"));
        break;
      case "integer":
        if (!Number.isInteger(item)) errors.push(message(rule, "invalid"));
        else if (rule.min_value !== undefined && item < rule.min_value)
          errors.push(message(rule, "min_value", { min_value: rule.min_value }));
        else if (rule.max_value !== undefined && item > rule.max_value)
          errors.push(message(rule, "max_value", { max_value: rule.max_value }));
        break;
      case "boolean":
        if (typeof item !== "boolean") errors.push(message(rule, "invalid"));
        break;
      case "date":
        if (!validDate(item)) errors.push(message(rule, "invalid", { format: "YYYY-MM-DD" }));
        break;
      case "datetime":
        if (Number.isNaN(new Date(item).getTime()))
          errors.push(message(rule, "invalid", { format: "YYYY-MM-DDThh:mm" }));
        break;
      case "choice":
        if (!rule.choices.some(([code]) => code === item)) errors.push(message(rule, "invalid"));
        break;
      case "vocabulary":
        if (codes && !codes.has(item)) errors.push(message(rule, "invalid"));
        break;
      default:
        break;
    }
  }
  return errors;
}

// A form's values: {field: [messages]}; nested objects give "victim.full_name" keys.
export function validate(rules, values, codesOf, prefix = "") {
  const errors = {};
  for (const [name, rule] of Object.entries(rules)) {
    if (!(name in values) && !rule.required) continue;
    const value = values[name];
    if (rule.kind === "object") {
      if (empty(value)) {
        if (rule.required) errors[prefix + name] = [message(rule, "required")];
        continue;
      }
      for (const item of rule.many ? value : [value]) {
        Object.assign(errors, validate(rule.fields, item, codesOf, `${prefix}${name}.`));
      }
      continue;
    }
    const found = check(rule, value, rule.kind === "vocabulary" ? codesOf(rule.vocabulary) : null);
    if (!found.length && rule.not_before && !empty(value) && !empty(values[rule.not_before]) &&
        value < values[rule.not_before]) {
      found.push(rule.message);
    }
    if (found.length) errors[prefix + name] = found;
  }
  return errors;
}
