// The actor timeline of kg viz and kg timeline --format html: plain SVG, no library.
// One row per relation type, bars for dated periods (coloured as the network's edges),
// points for one-off relations, ticks for events. Hover any mark for its sources.
"use strict";
window.KGTimeline = (function () {
  const SVG = "http://www.w3.org/2000/svg";
  const DAY = 86400000;

  function svg(tag, attrs, parent) {
    const e = document.createElementNS(SVG, tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (parent) parent.appendChild(e);
    return e;
  }
  function title(node, text) { const t = svg("title", {}, node); t.textContent = text; }
  function days(iso) { return Date.parse(iso + "T00:00:00Z") / DAY; }

  // The model of one actor's timeline from the page's data (DATA of viz.html).
  function model(id, data, hidden) {
    hidden = hidden || new Set();
    const byId = {};
    data.nodes.forEach(function (n) { byId[n.id] = n; });
    const rows = new Map();
    data.edges.forEach(function (e) {
      if ((e.from !== id && e.to !== id) || hidden.has(e.relation)) return;
      const other = byId[e.from === id ? e.to : e.from];
      const label = (e.from === id || e.symmetric) ? e.relationLabel : "← " + e.relationLabel + " it";
      const rowKey = e.relation + (e.from === id || e.symmetric ? "" : "<");
      if (!rows.has(rowKey)) rows.set(rowKey, { relation: e.relation, label: label, color: e.color, dashes: e.dashes, items: [] });
      (e.items || []).forEach(function (it) {
        const sources = (it.src || []).map(function (s) { return (data.sources[s] || { title: s }).title; });
        rows.get(rowKey).items.push({ s: it.s, e: it.e, sp: it.sp, ep: it.ep, text: it.text, c: it.c,
                                      other: other ? other.label : "?", sources: sources });
      });
    });
    return { title: byId[id] ? byId[id].label : id, rows: Array.from(rows.values()).filter(function (r) { return r.items.length; }),
             events: eventsOf(id, data), asOf: data.asOf };
  }

  // An actor's events, from the map's columns: computed once per actor (the slider redraws the panel)
  const cache = new Map();
  let cachedFor = null;
  function eventsOf(id, data) {
    if (cachedFor !== data) { cache.clear(); cachedFor = data; }
    if (cache.has(id)) return cache.get(id);
    const events = [];
    const map = data.map;
    if (map) {
      const index = map.actors.findIndex(function (a) { return a[0] === id; });
      const ev = map.events;
      if (index >= 0) {
        const within = Uint8Array.from(map.groups, function (g) { return g.indexOf(index) >= 0 ? 1 : 0; });
        for (let i = 0; i < ev.id.length; i++) {
          if (within[ev.a[i]] || within[ev.b[i]] || within[ev.o[i]]) events.push(eventItem(map, i));
        }
      }
    }
    cache.set(id, events);
    return events;
  }

  function isoOf(day) { return new Date(day * DAY).toISOString().slice(0, 10); }
  function eventItem(map, i) {
    const ev = map.events;
    const place = map.places[ev.place[i]];
    return { day: isoOf(ev.start[i]), label: ev.label[i] || map.types[ev.type[i]] + " at " + place[0],
             type: map.types[ev.type[i]], deaths: ev.deaths[i], place: place[0],
             color: map.kinds[ev.kind[i]].color,
             sources: map.groups[ev.src[i]].map(function (s) { return map.sources[s].title; }) };
  }

  // Greedy lanes so that overlapping periods of one relation type do not hide each other.
  function lanes(items, x) {
    const ends = [];
    items.slice().sort(function (p, q) { return x(p.s) - x(q.s); }).forEach(function (it) {
      const a = x(it.s);
      let b = Math.max(x(it.e || null), a + 8);
      let lane = ends.findIndex(function (end) { return end + 3 <= a; });
      b = Math.max(b, a);
      const reach = it.e && days(it.e) - days(it.s) < 32 ? a + 8 + 5.5 * it.other.length : b;  // a point's label
      if (lane < 0) { lane = ends.length; ends.push(reach); } else ends[lane] = reach;
      it.lane = lane;
    });
    return Math.max(1, ends.length);
  }

  function draw(container, m) {
    container.replaceChildren();
    const width = Math.max(container.clientWidth || 900, 500);
    const left = 170, right = 20, laneH = 14, top = 28;
    const asOf = m.asOf || new Date().toISOString().slice(0, 10);
    const all = [];
    m.rows.forEach(function (r) { r.items.forEach(function (it) { all.push(days(it.s)); all.push(days(it.e || asOf)); }); });
    m.events.forEach(function (e) { all.push(days(e.day)); });
    if (!all.length) {
      const p = document.createElement("p");
      p.className = "muted";
      p.textContent = "No dated relation or event for " + m.title + ".";
      container.appendChild(p);
      return null;
    }
    const y0 = new Date(Math.min.apply(null, all) * DAY).getUTCFullYear();
    const y1 = new Date(Math.max.apply(null, all) * DAY).getUTCFullYear() + 1;
    const d0 = days(y0 + "-01-01"), d1 = days(y1 + "-01-01");
    function x(iso) { return left + (days(iso || asOf) - d0) / (d1 - d0) * (width - left - right); }
    let height = top;
    m.rows.forEach(function (r) { r.lanes = lanes(r.items, x); r.y = height; height += r.lanes * laneH + 10; });
    const eventsY = height;
    if (m.events.length) height += 34;
    const root = svg("svg", { width: width, height: height + 6, class: "kg-timeline", role: "img" }, container);
    title(root, "Timeline of " + m.title);
    const defs = svg("defs", {}, root);
    // axis: one line per year
    const step = (y1 - y0) > 30 ? 5 : (y1 - y0) > 14 ? 2 : 1;
    for (let y = y0; y <= y1; y++) {
      const xx = x(y + "-01-01");
      svg("line", { x1: xx, x2: xx, y1: top - 6, y2: height, stroke: "#e4e4e4" }, root);
      if ((y - y0) % step === 0 && y < y1) {
        const t = svg("text", { x: xx + 2, y: top - 10, "font-size": 11, fill: "#555" }, root);
        t.textContent = String(y);
      }
    }
    const asOfX = x(asOf);
    svg("line", { x1: asOfX, x2: asOfX, y1: top - 6, y2: height, stroke: "#999", "stroke-dasharray": "3 3" }, root);
    let gradients = 0;
    m.rows.forEach(function (r) {
      const label = svg("text", { x: 4, y: r.y + 11, "font-size": 12, fill: "#222", class: "row-label" }, root);
      label.textContent = r.label;
      const sw = svg("rect", { x: left - 12, y: r.y + 2, width: 8, height: 8, fill: r.color }, root);
      sw.setAttribute("rx", 2);
      r.items.forEach(function (it) {
        const a = x(it.s), y = r.y + it.lane * laneH + 1;
        const tip = r.label + " " + it.other + ": " + it.text + (it.c && it.c !== "confirmed" ? " (" + it.c + ")" : "") +
          (it.sources.length ? "\nSources: " + it.sources.join("; ") : "");
        const oneOff = it.e && days(it.e) - days(it.s) < 32 && it.sp === "Day";
        let mark;
        if (oneOff) {
          mark = svg("circle", { cx: a, cy: y + laneH / 2 - 1, r: 4.5, fill: r.color, stroke: "#333", "stroke-width": 0.6,
                                 class: "point", "data-relation": r.relation }, root);
          const t = svg("text", { x: a + 7, y: y + laneH - 4, "font-size": 9.5, fill: "#333", "pointer-events": "none" }, root);
          t.textContent = it.other;
        } else {
          const b = Math.max(x(it.e), a + 3);
          // an open end, or an end known only to the month or year, fades out over its uncertainty
          const fadeFrom = !it.e ? Math.max(a, b - Math.min(60, (b - a) * 0.4))
            : it.ep === "Year" ? Math.max(a, x(it.e.slice(0, 4) + "-01-01"))
            : it.ep === "Month" ? Math.max(a, x(it.e.slice(0, 7) + "-01")) : b;
          const fadeTo = !it.e ? b : b;
          let fill = r.color;
          if (fadeFrom < b - 1) {
            const id = "kgfade" + (gradients++);
            const g = svg("linearGradient", { id: id, gradientUnits: "userSpaceOnUse", x1: fadeFrom, x2: fadeTo, y1: 0, y2: 0 }, defs);
            svg("stop", { offset: 0, "stop-color": r.color, "stop-opacity": 1 }, g);
            svg("stop", { offset: 1, "stop-color": r.color, "stop-opacity": 0.08 }, g);
            fill = "url(#" + id + ")";
          }
          mark = svg("rect", { x: a, y: y, width: b - a, height: laneH - 3, rx: 2, fill: fill,
                               "fill-opacity": it.c && it.c !== "confirmed" ? 0.5 : 1,
                               class: "bar" + (!it.e ? " open" : "") + (fadeFrom < b - 1 ? " fades" : ""),
                               "data-relation": r.relation }, root);
          if (it.c && it.c !== "confirmed") mark.setAttribute("stroke-dasharray", "3 2");
          if (b - a > 46) {
            const t = svg("text", { x: a + 3, y: y + laneH - 5, "font-size": 9.5, fill: "#fff", "pointer-events": "none" }, root);
            t.textContent = it.other.length > (b - a) / 6 ? it.other.slice(0, Math.max(3, Math.floor((b - a) / 6) - 1)) + "…" : it.other;
          }
        }
        title(mark, tip);
      });
    });
    if (m.events.length) {
      const label = svg("text", { x: 4, y: eventsY + 14, "font-size": 12, fill: "#222", class: "row-label" }, root);
      label.textContent = "events (" + m.events.length + ")";
      byMonth(m.events).forEach(function (e) {
        const xx = x(e.day);
        const h = 10 + Math.min(16, e.deaths > 0 ? 3 * Math.log2(1 + e.deaths) : 0);
        const tick = svg("line", { x1: xx, x2: xx, y1: eventsY + 24 - h, y2: eventsY + 26, stroke: e.color,
                                   "stroke-width": 2, class: "tick" }, root);
        title(tick, e.label + " (" + e.type + ", " + e.day + ", " + e.place + ")" +
              (e.deaths >= 0 ? "\nDeaths: " + e.deaths : "") + (e.sources.length ? "\nSources: " + e.sources.join("; ") : ""));
      });
    }
    return root;
  }

  // Thousands of events (an ACLED import) would be thousands of ticks on top of each other:
  // beyond MANY, one tick per month and colour, which tells how many events and deaths it stands for.
  const MANY = 1500;
  function byMonth(events) {
    if (events.length <= MANY) return events;
    const bins = new Map();
    events.forEach(function (e) {
      const k = e.day.slice(0, 7) + " " + e.color;
      let b = bins.get(k);
      if (!b) { b = { day: e.day.slice(0, 7) + "-15", color: e.color, deaths: 0, n: 0, types: new Map(), sources: [] }; bins.set(k, b); }
      b.n++;
      if (e.deaths > 0) b.deaths += e.deaths;
      b.types.set(e.type, (b.types.get(e.type) || 0) + 1);
    });
    return Array.from(bins.values()).map(function (b) {
      const types = Array.from(b.types.entries()).sort(function (p, q) { return q[1] - p[1]; })
        .map(function (t) { return t[1] + " " + t[0]; }).join(", ");
      return { day: b.day, color: b.color, deaths: b.deaths, label: b.n + " events in " + b.day.slice(0, 7),
               type: types, place: "several places", sources: [] };
    });
  }

  return { model: model, draw: draw, eventItem: eventItem };
})();
