// Translations: Django's JavaScript catalog (/field/i18n/<language>.js), loaded before the app.
const catalog = globalThis.django || {};

export function _(text) {
  return catalog.gettext ? catalog.gettext(text) : text;
}

export function ngettext(singular, plural, count) {
  return catalog.ngettext ? catalog.ngettext(singular, plural, count) : count === 1 ? singular : plural;
}

// "{name}"-style placeholders, as the server's messages use them.
export function format(text, values) {
  return text.replace(/\{(\w+)\}/g, (whole, key) => (key in values ? String(values[key]) : whole));
}
