// Building the page: elements are made with their text set as text, never parsed as markup.
export function h(tag, props = {}, ...children) {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "text") element.textContent = value;
    else if (key === "class") element.className = value;
    else if (key.startsWith("on")) element.addEventListener(key.slice(2), value);
    else if (value === true) element.setAttribute(key, "");
    else element.setAttribute(key, value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

export function show(...children) {
  const app = document.getElementById("app");
  app.replaceChildren(...children.flat(Infinity).filter(Boolean));
  window.scrollTo(0, 0);
}

export function errorList(errors, label) {
  if (!errors) return null;
  const items = [];
  for (const [name, messages] of Object.entries(errors)) {
    for (const message of [].concat(messages)) {
      const text = typeof message === "string" ? message : JSON.stringify(message);
      items.push(h("li", { text: name ? `${label(name)}: ${text}` : text }));
    }
  }
  return items.length ? h("ul", { class: "errors", role: "alert" }, items) : null;
}
