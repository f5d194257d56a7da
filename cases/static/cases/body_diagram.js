/* The body diagram of a medical examination in the admin: each lesion row of the page is drawn
   as a numbered mark on the front or back outline. A click places the mark of the lesion being
   edited (and sets its region, side and view); with the keyboard, the region and side lists
   place it at the region's centre, and the arrow keys move it while the diagram has the focus
   (Shift for finer steps). The geometry comes from the server (cases/body.py). */
(function () {
  "use strict";
  const SVGNS = "http://www.w3.org/2000/svg";
  const GAP = 20;
  // A lesion's row: a table row of the tabular inline, or a stacked inline's block (the tabular
  // inline's own wrapper is a div.inline-related.tabular too: it is not a row).
  const ROW = "tr.form-row, div.inline-related:not(.tabular)";

  function init() {
    const editor = document.querySelector(".body-diagram-editor");
    const data = document.getElementById("body-geometry");
    if (!editor || !data) return;
    const geometry = JSON.parse(data.textContent);
    const W = geometry.width, MID = Math.floor(W / 2);
    const surface = editor.querySelector(".body-diagram-focus");
    const svg = editor.querySelector("svg");
    const status = editor.querySelector(".body-diagram-status");
    const group = document.getElementById("lesions-group");
    if (!group || !svg) return;
    let active = null;

    const field = (row, name) => row.querySelector(`[name$="-${name}"]`);
    const rows = () =>
      Array.from(group.querySelectorAll(ROW)).filter(
        (row) => !row.classList.contains("empty-form") && field(row, "region") &&
          !(field(row, "DELETE") && field(row, "DELETE").checked));

    function xFor(dx, side, view) {
      const right = view === "front" ? MID - dx : MID + dx;
      if (side === "left") return 2 * MID - right;
      if (side === "right") return right;
      return MID;
    }

    function marksOf(row) {
      const region = field(row, "region").value;
      const side = field(row, "side").value || "midline";
      const spec = geometry.regions[region];
      const x = field(row, "x").value, y = field(row, "y").value;
      let view = field(row, "view").value;
      if (spec && !spec[2].includes(view)) view = spec[2][0];
      if (!view) view = "front";
      if (x !== "" && y !== "") return [[view, Number(x), Number(y)]];
      if (!spec) return [];
      const [cy, dx] = spec;
      if (side === "both" && dx) return [[view, xFor(dx, "right", view), cy], [view, xFor(dx, "left", view), cy]];
      return [[view, xFor(dx, side === "both" ? "midline" : side, view), cy]];
    }

    function numberOf(row, fallback) {
      const shown = row.querySelector(".field-number p, .field-number .readonly");
      const n = shown && parseInt(shown.textContent, 10);
      return Number.isFinite(n) ? n : fallback;
    }

    function draw() {
      svg.querySelectorAll(".mark").forEach((mark) => mark.remove());
      let next = 0;
      const all = rows();
      all.forEach((row) => { next = Math.max(next, numberOf(row, 0)); });
      all.forEach((row) => {
        if (!field(row, "region").value && row !== active) return;  // a blank row is no lesion
        let n = numberOf(row, null);
        if (n === null) n = ++next;
        row.dataset.lesionNumber = n;
        for (const [view, x, y] of marksOf(row)) {
          const layer = svg.querySelector(`g[data-view="${view}"]`);
          if (!layer) continue;
          const g = document.createElementNS(SVGNS, "g");
          g.setAttribute("class", "mark" + (row === active ? " active" : ""));
          g.dataset.lesion = n;
          const c = document.createElementNS(SVGNS, "circle");
          c.setAttribute("cx", x); c.setAttribute("cy", y); c.setAttribute("r", 8);
          c.setAttribute("fill", row === active ? "#1565c0" : "#b00020");
          const t = document.createElementNS(SVGNS, "text");
          t.setAttribute("x", x); t.setAttribute("y", y + 4);
          t.setAttribute("text-anchor", "middle"); t.setAttribute("font-size", "10");
          t.setAttribute("fill", "#fff"); t.setAttribute("font-weight", "bold");
          t.textContent = n;
          g.append(c, t);
          layer.append(g);
        }
      });
    }

    function say(row) {
      const label = (name) => {
        const select = field(row, name);
        return select && select.selectedIndex >= 0 ? select.options[select.selectedIndex].text : "";
      };
      const [mark] = marksOf(row);
      status.textContent = interpolate(gettext("Lesion %(n)s: %(region)s, %(side)s, %(view)s (%(x)s, %(y)s)"), {
        n: row.dataset.lesionNumber, region: label("region"), side: label("side"), view: label("view"),
        x: mark ? mark[1] : "", y: mark ? mark[2] : "",
      }, true);
    }

    function activeRow() {
      const all = rows();
      if (active && all.includes(active)) return active;
      active = all[all.length - 1] || null;
      return active;
    }

    function place(row, view, x, y) {
      x = Math.max(0, Math.min(W, Math.round(x)));
      y = Math.max(0, Math.min(geometry.height, Math.round(y)));
      field(row, "view").value = view;
      field(row, "x").value = x;
      field(row, "y").value = y;
      draw(); say(row);
    }

    svg.addEventListener("click", (event) => {
      const row = activeRow();
      if (!row) { status.textContent = gettext("Add a lesion first."); return; }
      const point = svg.createSVGPoint();
      point.x = event.clientX; point.y = event.clientY;
      const p = point.matrixTransform(svg.getScreenCTM().inverse());
      const view = p.x < W + GAP / 2 ? "front" : "back";
      const x = view === "front" ? p.x : p.x - W - GAP;
      let best = null;
      for (const [region, [cy, dx, views]] of Object.entries(geometry.regions)) {
        if (!views.includes(view)) continue;
        for (const side of dx ? ["left", "right"] : ["midline"]) {
          const d = Math.hypot(xFor(dx, side, view) - x, cy - p.y);
          if (!best || d < best.d) best = { d, region, side };
        }
      }
      if (best) {
        field(row, "region").value = best.region;
        field(row, "side").value = best.side;
      }
      place(row, view, x, p.y);
    });

    surface.addEventListener("keydown", (event) => {
      const steps = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };
      const row = activeRow();
      if (!row) return;
      if (event.key in steps) {
        event.preventDefault();
        const [dx, dy] = steps[event.key];
        const step = event.shiftKey ? 1 : 5;
        const [mark] = marksOf(row);
        if (!mark) { status.textContent = gettext("Choose the body region first."); return; }
        place(row, mark[0], mark[1] + dx * step, mark[2] + dy * step);
      } else if (event.key === "Escape") {
        field(row, "x").value = ""; field(row, "y").value = "";
        draw(); say(row);
      }
    });
    surface.addEventListener("focus", () => { const row = activeRow(); if (row) say(row); });

    group.addEventListener("focusin", (event) => {
      const row = event.target.closest(ROW);
      if (row && row !== active && rows().includes(row)) { active = row; draw(); }
    });
    group.addEventListener("change", (event) => {
      const row = event.target.closest(ROW);
      if (row && /-(region|side|view)$/.test(event.target.name)) {
        // A region or side chosen from the list places the mark at the region's centre.
        field(row, "x").value = ""; field(row, "y").value = "";
      }
      draw();
      if (row) say(row);
    });
    document.addEventListener("formset:added", () => draw());
    draw();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
