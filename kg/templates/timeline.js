// The actor timeline of kg viz and kg timeline --format html: plain SVG, no library.
// One lane per relation type and counterpart (fought first), bars for dated periods (coloured
// as the network's edges, their dates inside in a colour that reads on them, or beside a short
// bar), points for one-off relations, ticks for events. The axis starts at the actor's founding.
// Hover or focus (Tab) any mark for its dates and sources.
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

  function sourceText(s) {
    const meta = [s.publisher, s.dateText || s.date].filter(Boolean).join(", ");
    return s.title + (meta ? " (" + meta + ")" : "");
  }

  // The model of one actor's timeline from the page's data (DATA of viz.html): one row per
  // relation type, direction and counterpart, fought first; nothing before the actor was founded
  // (what its parts did earlier belongs on their own timelines), only counted.
  function model(id, data, hidden) {
    hidden = hidden || new Set();
    const byId = {};
    data.nodes.forEach(function (n) { byId[n.id] = n; });
    const founded = byId[id] && byId[id].founded ? byId[id].founded : null;
    const rows = new Map();
    let before = 0;
    data.edges.forEach(function (e) {
      if ((e.from !== id && e.to !== id) || hidden.has(e.relation)) return;
      const otherId = e.from === id ? e.to : e.from;
      const other = byId[otherId];
      const type = (data.relations || {})[e.relation] || { label: e.relationLabel, color: e.color, symmetric: e.symmetric, dashes: e.dashes };
      const out = e.from === id || type.symmetric;
      const rel = out ? type.label : "← " + type.label;
      const rowKey = e.relation + (out ? "" : "<") + "|" + otherId;
      if (!rows.has(rowKey)) {
        rows.set(rowKey, { relation: e.relation, label: rel + " · " + (other ? other.label : "?"), rel: rel,
                           other: other ? other.label : "?", color: type.color, dashes: type.dashes, items: [] });
      }
      (e.items || []).forEach(function (it) {
        if (founded && (it.e || it.s) < founded && it.e) { before++; return; }
        const sources = (it.src || []).map(function (s) { return sourceText(data.sources[s] || { title: s }); });
        rows.get(rowKey).items.push({ s: founded && it.s < founded ? founded : it.s, e: it.e, sp: it.sp, ep: it.ep,
                                      text: it.text, c: it.c, other: other ? other.label : "?", sources: sources });
      });
    });
    const events = eventsOf(id, data).filter(function (ev) {
      if (founded && ev.day < founded) { before++; return false; }
      return true;
    });
    const list = Array.from(rows.values()).filter(function (r) { return r.items.length; });
    list.forEach(function (r) { r.first = r.items.reduce(function (m, it) { return it.s < m ? it.s : m; }, "9999"); });
    list.sort(function (a, b) {
      const fa = a.relation === "fought" ? 0 : 1, fb = b.relation === "fought" ? 0 : 1;
      return fa - fb || (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0) || (a.first < b.first ? -1 : a.first > b.first ? 1 : 0);
    });
    return { title: byId[id] ? byId[id].label : id, rows: list, events: events, asOf: data.asOf, founded: founded,
             before: before, messages: data.messages || {} };
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
          if (within[ev.a[i]] || within[ev.b[i]] || within[ev.o[i]]) events.push(eventItem(map, i, data.messages));
        }
      }
    }
    if (map || document.readyState !== "loading") cache.set(id, events);  // the map's block not parsed yet: asked again
    return events;
  }

  function isoOf(day) { return new Date(day * DAY).toISOString().slice(0, 10); }
  // a day (YYYY-MM-DD) at its precision (Day, Month, Year or d, m, y) as the page's catalogue writes
  // dates (date_day, date_month, months): 2019-03-02 in English, 2 mars 2019 in French
  function dateText(messages, iso, prec) {
    const M = messages || {};
    const p = { d: "Day", m: "Month", y: "Year" }[prec] || prec || "Day";
    const y = iso.slice(0, 4), mm = iso.slice(5, 7), dd = iso.slice(8, 10);
    if (p === "Year" || !mm) return y;
    const months = String(M.months || "").split("|");
    const vars = { y: y, mm: mm, dd: dd, d: String(Number(dd)), month: months.length === 12 ? months[Number(mm) - 1] : mm };
    const pattern = (p === "Month" || !dd ? M.date_month : M.date_day) || (p === "Month" || !dd ? "{y}-{mm}" : "{y}-{mm}-{dd}");
    return pattern.replace(/\{(\w+)\}/g, function (a, k) { return k in vars ? vars[k] : a; });
  }
  function eventItem(map, i, messages) {
    const ev = map.events;
    const place = map.places[ev.place[i]];
    const at = (messages && messages.event_at) || "{type} at {place}";
    return { day: isoOf(ev.start[i]), prec: ev.prec[i], label: ev.label[i] || at.replace("{type}", map.types[ev.type[i]]).replace("{place}", place[0]),
             type: map.types[ev.type[i]], deaths: ev.deaths[i], place: place[0],
             color: map.kinds[ev.kind[i]].color,
             sources: map.groups[ev.src[i]].map(function (s) { return sourceText(map.sources[s]); }) };
  }

  // Greedy lanes so that overlapping periods of one relation type do not hide each other.
  function lanes(items, x) {
    const ends = [];
    items.slice().sort(function (p, q) { return x(p.s) - x(q.s); }).forEach(function (it) {
      const a = x(it.s);
      let b = Math.max(x(it.e || null), a + 8);
      let lane = ends.findIndex(function (end) { return end + 3 <= a; });
      b = Math.max(b, a);
      const textW = 6.2 * it.text.length + 6;  // the period's text, inside the bar or beside it (see draw)
      const reach = it.e && days(it.e) - days(it.s) < 32 && it.sp === "Day" ? a + 8 + textW : b - a > textW ? b : b + 4 + textW;
      if (lane < 0) { lane = ends.length; ends.push(reach); } else ends[lane] = reach;
      it.lane = lane;
    });
    return Math.max(1, ends.length);
  }

  // dark text on a pale colour, white on a dark one (WCAG contrast of at least 4.5:1 either way)
  function luminance(hex) {
    const c = [1, 3, 5].map(function (i) {
      const v = parseInt(hex.slice(i, i + 2), 16) / 255;
      return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
  }
  function textOn(hex) { const l = luminance(hex) + 0.05; return l / 0.05 >= 1.05 / l ? "#000000" : "#ffffff"; }

  function draw(container, m, opts) {
    opts = opts || {};
    const t = opts.t || function (k, v) { return ({ timeline_none: "No dated relation or event for {name}.", timeline_events: "events ({n})",
      timeline_before: "{n} earlier facts of its parts, from before it was founded: not drawn.", timeline_of: "Timeline of {name}",
      sources: "Sources:", deaths: "Deaths: {n}", several_places: "several places", events_in_month: "{n} events in {month}" }[k] || k)
      .replace(/\{(\w+)\}/g, function (a, name) { return v && name in v ? String(v[name]) : a; }); };
    container.replaceChildren();
    const width = Math.max(container.clientWidth || 900, 360);
    const left = Math.min(230, Math.round(width * 0.34)), right = 20, laneH = 15, top = 28;
    const asOf = m.asOf || new Date().toISOString().slice(0, 10);
    const all = [];
    m.rows.forEach(function (r) { r.items.forEach(function (it) { all.push(days(it.s)); all.push(days(it.e || asOf)); }); });
    m.events.forEach(function (e) { all.push(days(e.day)); });
    if (!all.length) {
      const p = document.createElement("p");
      p.className = "muted";
      p.textContent = t("timeline_none", { name: m.title });
      container.appendChild(p);
      return null;
    }
    const y0 = new Date(Math.min.apply(null, all) * DAY).getUTCFullYear();
    const y1 = new Date(Math.max.apply(null, all) * DAY).getUTCFullYear() + 1;
    const d0 = days(y0 + "-01-01"), d1 = days(y1 + "-01-01");
    function x(iso) { return left + (days(iso || asOf) - d0) / (d1 - d0) * (width - left - right); }
    let height = top;
    m.rows.forEach(function (r) { r.lanes = lanes(r.items, x); r.y = height; height += r.lanes * laneH + 4; });
    const eventsY = height;
    if (m.events.length) height += 34;
    if (m.before) {
      const p = document.createElement("p");
      p.className = "muted before";
      p.style.margin = "0";
      p.textContent = t("timeline_before", { n: m.before });
      container.appendChild(p);
    }
    const root = svg("svg", { width: width, height: height + 6, class: "kg-timeline", role: "group" }, container);
    root.setAttribute("aria-label", t("timeline_of", { name: m.title }));
    title(root, t("timeline_of", { name: m.title }));
    const defs = svg("defs", {}, root);
    function info(text) { if (opts.info) opts.info.textContent = text.replace(/\n/g, " · "); }
    function focusable(mark, text) {  // reachable by keyboard; its text shown under the heading on focus or hover
      mark.setAttribute("tabindex", "0");
      mark.setAttribute("aria-label", text.replace(/\n/g, ". "));
      mark.addEventListener("focus", function () { info(text); });
      mark.addEventListener("mouseenter", function () { info(text); });
    }
    if (opts.window) {  // the years the page shows, shaded
      const wa = Math.max(left, x(opts.window[0] + "-01-01")), wb = Math.min(width - right, x((opts.window[1] + 1) + "-01-01"));
      if (wb > wa) svg("rect", { x: wa, y: top - 6, width: wb - wa, height: height - top + 6, fill: "#fff3cd", class: "window" }, root);
    }
    // axis: one line per year, from the actor's founding (or its first fact)
    const step = (y1 - y0) > 30 ? 5 : (y1 - y0) > 14 ? 2 : 1;
    for (let y = y0; y <= y1; y++) {
      const xx = x(y + "-01-01");
      svg("line", { x1: xx, x2: xx, y1: top - 6, y2: height, stroke: "#e4e4e4" }, root);
      if ((y - y0) % step === 0 && y < y1) {
        const tx = svg("text", { x: xx + 2, y: top - 10, "font-size": 11, fill: "#444", class: "axis" }, root);
        tx.textContent = String(y);
      }
    }
    const asOfX = x(asOf);
    svg("line", { x1: asOfX, x2: asOfX, y1: top - 6, y2: height, stroke: "#999", "stroke-dasharray": "3 3" }, root);
    let gradients = 0;
    m.rows.forEach(function (r, ri) {
      if (ri % 2) svg("rect", { x: 0, y: r.y - 1, width: width, height: r.lanes * laneH + 2, fill: "#f6f6f3" }, root);
      const label = svg("text", { x: 4, y: r.y + 11, "font-size": 11.5, fill: "#222", class: "row-label" }, root);
      const maxChars = Math.floor((left - 20) / 6.6);
      label.textContent = r.label.length > maxChars ? r.label.slice(0, maxChars - 1) + "…" : r.label;
      title(label, r.label);
      const sw = svg("rect", { x: left - 12, y: r.y + 2, width: 8, height: 8, fill: r.color }, root);
      sw.setAttribute("rx", 2);
      r.items.forEach(function (it) {
        const a = x(it.s), y = r.y + it.lane * laneH + 1;
        const tip = r.rel + " " + it.other + ": " + it.text + (it.c && it.c !== "confirmed" ? " (" + t("certainty:" + it.c) + ")" : "") +
          (it.sources.length ? "\n" + t("sources") + " " + it.sources.join("; ") : "");
        const oneOff = it.e && days(it.e) - days(it.s) < 32 && it.sp === "Day";
        let mark;
        if (oneOff) {
          mark = svg("circle", { cx: a, cy: y + laneH / 2 - 1, r: 4.5, fill: r.color, stroke: "#333", "stroke-width": 0.6,
                                 class: "point", "data-relation": r.relation }, root);
          const tx = svg("text", { x: a + 7, y: y + laneH - 4, "font-size": 10, fill: "#222", "pointer-events": "none", class: "bar-label" }, root);
          tx.textContent = it.text;
        } else {
          const b = Math.max(x(it.e), a + 3);
          // an open end, or an end known only to the month or year, fades out over its uncertainty
          const fadeFrom = !it.e ? Math.max(a, b - Math.min(60, (b - a) * 0.4))
            : it.ep === "Year" ? Math.max(a, x(it.e.slice(0, 4) + "-01-01"))
            : it.ep === "Month" ? Math.max(a, x(it.e.slice(0, 7) + "-01")) : b;
          let fill = r.color;
          if (fadeFrom < b - 1) {
            const id = "kgfade" + (gradients++);
            const g = svg("linearGradient", { id: id, gradientUnits: "userSpaceOnUse", x1: fadeFrom, x2: b, y1: 0, y2: 0 }, defs);
            svg("stop", { offset: 0, "stop-color": r.color, "stop-opacity": 1 }, g);
            svg("stop", { offset: 1, "stop-color": r.color, "stop-opacity": 0.08 }, g);
            fill = "url(#" + id + ")";
          }
          const pale = it.c && it.c !== "confirmed";
          mark = svg("rect", { x: a, y: y, width: b - a, height: laneH - 3, rx: 2, fill: fill,
                               "fill-opacity": pale ? 0.5 : 1,
                               class: "bar" + (!it.e ? " open" : "") + (fadeFrom < b - 1 ? " fades" : ""),
                               "data-relation": r.relation }, root);
          if (pale) mark.setAttribute("stroke-dasharray", "3 2");
          // the period's text: inside a long enough bar (dark on pale, white on dark), else beside it
          const textW = 6.2 * it.text.length + 6;
          const inside = fadeFrom - a > textW && !pale;
          const tx = svg("text", { x: inside ? a + 3 : b + 4, y: y + laneH - 5, "font-size": 10,
                                   fill: inside ? textOn(r.color) : "#222", "pointer-events": "none",
                                   class: "bar-label" + (inside ? " inside" : ""), "data-bg": inside ? r.color : "" }, root);
          tx.textContent = it.text;
        }
        title(mark, tip);
        focusable(mark, tip);
      });
    });
    if (m.events.length) {
      const label = svg("text", { x: 4, y: eventsY + 14, "font-size": 12, fill: "#222", class: "row-label" }, root);
      label.textContent = t("timeline_events", { n: m.events.length });
      byMonth(m.events, t, m.messages).forEach(function (e) {
        const xx = x(e.day);
        const h = 10 + Math.min(16, e.deaths > 0 ? 3 * Math.log2(1 + e.deaths) : 0);
        const tick = svg("line", { x1: xx, x2: xx, y1: eventsY + 24 - h, y2: eventsY + 26, stroke: e.color,
                                   "stroke-width": 2, class: "tick" }, root);
        const tip = e.label + " (" + e.type + ", " + dateText(m.messages, e.day, e.prec || "Day") + ", " + e.place + ")" +
              (e.deaths >= 0 ? "\n" + t("deaths", { n: e.deaths }) : "") + (e.sources.length ? "\n" + t("sources") + " " + e.sources.join("; ") : "");
        title(tick, tip);
        focusable(tick, tip);
      });
    }
    return root;
  }

  // Thousands of events (an ACLED import) would be thousands of ticks on top of each other:
  // beyond MANY, one tick per month and colour, which tells how many events and deaths it stands for.
  const MANY = 1500;
  function byMonth(events, t, messages) {
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
      return { day: b.day, prec: "Month", color: b.color, deaths: b.deaths,
               label: t("events_in_month", { n: b.n, month: dateText(messages, b.day, "Month") }),
               type: types, place: t("several_places"), sources: [] };
    });
  }

  // The page's data block is compact (kg/explore/viz.py, PAGE_DEFAULTS): a field at its default is
  // left out, an edge's id, periods and count and a node's colour, shape and type label (its
  // kind's, in the legend) and size (degree + 1) are not written; a source and an edge's dated
  // statement are rows of the fields data.fields names.
  // Put back here, once, before anything reads them.
  function unpack(data) {
    const d = data.defaults;
    const f = data.fields || { item: [], source: ["title", "url", "publisher", "date", "dateText"] };
    function fill(x, defaults) {
      Object.keys(defaults).forEach(function (k) {
        if (!(k in x)) { const v = defaults[k]; x[k] = Array.isArray(v) ? v.slice() : v; }
      });
    }
    const kinds = {};
    ((data.legend || {}).nodes || []).forEach(function (k) { kinds[k.kind] = k; });
    (data.nodes || []).forEach(function (n) {
      if (d) fill(n, d.node);
      const k = kinds[n.kind];
      if (k) {
        if (!("color" in n)) n.color = k.color;
        if (!("shape" in n)) n.shape = k.shape;
        if (!("typeLabel" in n)) n.typeLabel = k.label;
      }
      if (!("value" in n) && "degree" in n) n.value = n.degree + 1;
    });
    (data.edges || []).forEach(function (e) {
      if (d) {
        fill(e, d.edge);
        e.items = e.items.map(function (r) {
          if (!Array.isArray(r)) return r;
          const it = {};
          f.item.forEach(function (k, i) { if (i < r.length && r[i] !== null) it[k] = r[i]; });
          fill(it, d.item);
          return it;
        });
      }
      if (!("id" in e)) e.id = e.from + "|" + e.relation + "|" + e.to;
      if (!("periods" in e)) e.periods = (e.items || []).map(function (it) { return it.text; });
      if (!("count" in e)) e.count = (e.events || []).length + (e.items || []).length;
    });
    const sources = data.sources || {};
    Object.keys(sources).forEach(function (k) {
      const r = sources[k];
      if (!Array.isArray(r)) return;
      const s = {};  // title, url, publisher, date always (null when not known); dateText when given
      f.source.forEach(function (name, i) { if (i < 4 || i < r.length) s[name] = i < r.length ? r[i] : null; });
      sources[k] = s;
    });
    return data;
  }

  // The map's data sits in its own block (the script element "kg-map"), parsed the first time something
  // reads data.map (the map view, a timeline's events): a page of 100,000 events opens without
  // it. Its events cite the page's sources by id; they become the source rows here. The page's
  // own block is unpacked first (unpack). kg viz's page puts the block after its script, so that
  // the network is drawn before the browser reads megabytes of map: until the document is
  // parsed, data.map is null (and asked again later).
  function lazyMap(data) {
    unpack(data);
    let map, read = false;
    Object.defineProperty(data, "map", { configurable: true, get: function () {
      if (!read) {
        const block = document.getElementById("kg-map");
        if (!block && document.readyState === "loading") return null;  // after the page's script: not parsed yet
        read = true;
        map = block ? JSON.parse(block.textContent) : null;
        if (map) map.sources = map.sources.map(function (s) { return typeof s === "string" ? (data.sources[s] || { title: s, url: null }) : s; });
      }
      return map;
    } });
    return data;
  }
  return { model: model, draw: draw, eventItem: eventItem, dateText: dateText, lazyMap: lazyMap, unpack: unpack };
})();
