// The map of kg viz: Natural Earth borders and every event at its place, drawn on a
// canvas with a plain equirectangular projection (no tiles, no library, no network).
// What a marker claims is what the data knows: an event at a town is a shape at the town
// (its kind's shape and colour, sized by deaths); an event placed only at a region is one
// dashed ring per region that says "somewhere in <region>"; an event known only to a
// country is not drawn at all (the page lists it). Events of one place and kind are one
// marker; when a view would hold more than HEX_LIMIT markers, they are binned into
// hexagons (darker: more events) until one zooms in. Labels are placed by importance,
// never on top of each other; country names are drawn last, with a halo.
"use strict";
window.KGMap = function (container, map, hooks) {
  const canvas = document.createElement("canvas");
  canvas.id = "map-canvas";
  canvas.setAttribute("role", "img");
  canvas.setAttribute("aria-label", hooks.label || "");
  container.appendChild(canvas);
  const ctx = canvas.getContext("2d");
  const ev = map.events;
  const n = ev.id.length;
  const DAY = 86400000;
  const POINT_IMPORTED = 0, POINT = 1, COUNTRY = 2, AREA = 3;
  const HEX_LIMIT = 700, HEX_R = 20;
  const y0 = new Int16Array(n), y1 = new Int16Array(n);
  const kindOf = Int8Array.from(ev.kind), placeOf = Int32Array.from(ev.place), deathsOf = Int32Array.from(ev.deaths);
  const placeType = Int8Array.from(map.places, function (p) { return p[3]; });
  const yearCache = new Map();
  for (let i = 0; i < n; i++) {  // years from days since 1970, without a Date per event
    const a = ev.start[i], b = ev.end[i];
    y0[i] = yearCache.get(a) || yearOf(a);
    y1[i] = yearCache.get(b) || yearOf(b);
  }
  // an incident several data sets record (kg link) is drawn once, at the record that stands for
  // it; the others are left out of the drawing and the counts, and its marker says which data sets
  const SETS = ["curated", "acled", "ucdp"];
  const incOf = new Int32Array(n).fill(-1), dup = new Uint8Array(n), incSets = [];
  (map.incidents || []).forEach(function (inc, k) {
    let bits = 0;
    inc[1].forEach(function (d) { const j = SETS.indexOf(d); bits |= j >= 0 ? 1 << j : 8; });
    incSets.push(bits);
    inc[2].forEach(function (r) { if (r[7] >= 0) { incOf[r[7]] = k; if (r[7] !== inc[0]) dup[r[7]] = 1; } });
  });
  function yearOf(day) { const y = new Date(day * DAY).getUTCFullYear(); yearCache.set(day, y); return y; }
  const nKinds = map.kinds.length;
  const K = Math.cos(15 * Math.PI / 180);  // a plain equirectangular projection, true at 15°N
  let view = { cx: 1.5 * K, cy: -15.5, scale: 1 };  // centre in projected units, pixels per unit
  let win = null, hiddenKinds = new Set(), hiddenActors = null;
  let drawn = [];  // indexes of the events drawn (at a point or in an area)
  let listed = [];  // indexes of the events shown but not drawn (known only to a country)
  let groups = [];  // the events of one place and kind: {place, kind, deaths, events: [indexes]}
  let markers = [];  // what is drawn: {x, y, r, kind, deaths, n, parts: [groups], area, hex}
  let labels = [];  // label boxes drawn: {text, x0, y0, x1, y1, country}
  let counts = null;  // events shown, by kind
  let grid = new Map();
  let selected = -1;
  let focused = -1;  // the marker the keyboard's list of markers is on: a ring around it
  let hexMode = false;

  function project(lon, lat) {
    return [(lon * K - view.cx) * view.scale + canvas.width / 2 / dpr, (-lat - view.cy) * view.scale + canvas.height / 2 / dpr];
  }
  function unproject(x, y) {
    const lon = ((x - canvas.width / 2 / dpr) / view.scale + view.cx) / K;
    const lat = -((y - canvas.height / 2 / dpr) / view.scale + view.cy);
    return [lon, lat];
  }
  let dpr = 1;
  function fit() {
    dpr = window.devicePixelRatio || 1;
    const w = container.clientWidth, h = container.clientHeight;
    if (!w || !h) return false;
    canvas.width = w * dpr; canvas.height = h * dpr;
    canvas.style.width = w + "px"; canvas.style.height = h + "px";
    return true;
  }
  function home() {
    // Mali, Burkina Faso and Niger: about 12°W-16°E, 9°N-24°N, filling the screen's width or height
    view.cx = 2 * K; view.cy = -16;
    view.scale = Math.min(container.clientWidth / (30 * K), container.clientHeight / 16);
  }

  function radius(deaths, count) {
    return Math.min(30, (deaths > 0 ? 3 + 1.7 * Math.sqrt(deaths) : 3) + (count > 1 ? Math.log2(count) : 0));
  }
  function inWindow(i) { return win === null || (y0[i] <= win[1] && y1[i] >= win[0]); }
  function visible(i) {
    if (hiddenKinds.has(kindOf[i])) return false;
    if (hiddenActors) {  // every participant is of a hidden type
      const a = ev.a[i], b = ev.b[i], o = ev.o[i];
      if (allHidden[a] && allHidden[b] && allHidden[o] && (a || b || o)) return false;
    }
    return true;
  }

  let dirty = true;
  let allHidden = null;
  function compute() {  // the events shown, their groups and the counts by kind
    if (!dirty) return;
    dirty = false;
    drawn = []; listed = [];
    counts = new Array(nKinds).fill(0);
    const byKey = new Map();
    for (let i = 0; i < n; i++) {
      if (dup[i] || !inWindow(i)) continue;
      counts[kindOf[i]]++;
      if (!visible(i)) continue;
      const t = placeType[placeOf[i]];
      if (t === COUNTRY) { listed.push(i); continue; }
      drawn.push(i);
      const k = t === AREA ? -1 - placeOf[i] : placeOf[i] * nKinds + kindOf[i];  // an area: one marker, all kinds
      let g = byKey.get(k);
      if (!g) { g = { place: placeOf[i], kind: kindOf[i], deaths: 0, events: [], area: t === AREA, sets: 0 }; byKey.set(k, g); }
      if (incOf[i] >= 0) g.sets |= incSets[incOf[i]];
      if (deathsOf[i] > 0) g.deaths += deathsOf[i];
      g.events.push(i);
    }
    groups = Array.from(byKey.values()).sort(function (a, b) { return b.deaths - a.deaths || b.events.length - a.events.length; });
    window.kgMapDrawn = drawn.length;
  }

  // a kind's shape, of about the area of a circle of radius r
  function shapePath(shape, x, y, r) {
    ctx.beginPath();
    function poly(sides, rot, rr) {
      for (let j = 0; j < sides; j++) {
        const a = rot + 2 * Math.PI * j / sides;
        const px = x + rr * Math.cos(a), py = y + rr * Math.sin(a);
        if (j === 0) ctx.moveTo(px, py); else ctx.lineTo(px, py);
      }
      ctx.closePath();
    }
    if (shape === "triangle") poly(3, -Math.PI / 2, r * 1.35);
    else if (shape === "square") ctx.rect(x - r * 0.89, y - r * 0.89, r * 1.78, r * 1.78);
    else if (shape === "diamond") poly(4, 0, r * 1.25);
    else if (shape === "hexagon") poly(6, 0, r * 1.1);
    else if (shape === "pentagon") poly(5, -Math.PI / 2, r * 1.15);
    else if (shape === "star") {
      for (let j = 0; j < 10; j++) {
        const a = -Math.PI / 2 + Math.PI * j / 5, rr = j % 2 ? r * 0.6 : r * 1.45;
        if (j === 0) ctx.moveTo(x + rr * Math.cos(a), y + rr * Math.sin(a)); else ctx.lineTo(x + rr * Math.cos(a), y + rr * Math.sin(a));
      }
      ctx.closePath();
    } else if (shape === "cross") {
      const a = r * 1.2, b = r * 0.42;
      ctx.moveTo(x - b, y - a); ctx.lineTo(x + b, y - a); ctx.lineTo(x + b, y - b); ctx.lineTo(x + a, y - b);
      ctx.lineTo(x + a, y + b); ctx.lineTo(x + b, y + b); ctx.lineTo(x + b, y + a); ctx.lineTo(x - b, y + a);
      ctx.lineTo(x - b, y + b); ctx.lineTo(x - a, y + b); ctx.lineTo(x - a, y - b); ctx.lineTo(x - b, y - b);
      ctx.closePath();
    } else ctx.arc(x, y, r, 0, 2 * Math.PI);
  }

  // which data sets record an incident of a marker: a ring of three arcs (curated above right,
  // ACLED below, UCDP above left), solid where that data set records it, and its letters beside
  function datasetMarks(c) {
    const r = (c.r || HEX_R) + 4;
    for (let j = 0; j < 3; j++) {
      const a0 = -Math.PI / 2 + j * 2 * Math.PI / 3 + 0.12, a1 = a0 + 2 * Math.PI / 3 - 0.24;
      const on = c.sets & (1 << j);
      ctx.beginPath(); ctx.arc(c.x, c.y, r, a0, a1);
      ctx.setLineDash(on ? [] : [2, 3]);
      ctx.lineWidth = on ? 3 : 1; ctx.strokeStyle = on ? "#1b1b1b" : "#8a8a8a"; ctx.stroke();
    }
    ctx.setLineDash([]);
    const text = SETS.filter(function (d, j) { return c.sets & (1 << j); }).map(hooks.badge || function (d) { return d[0].toUpperCase(); }).join(" ");
    ctx.font = "bold 10px DejaVu Sans, Arial, sans-serif"; ctx.textAlign = "left"; ctx.textBaseline = "middle";
    const w = ctx.measureText(text).width + 6, bx = c.x + r + 2, by = c.y - r;
    ctx.fillStyle = "#ffffff"; ctx.strokeStyle = "#1b1b1b"; ctx.lineWidth = 1;
    ctx.beginPath(); ctx.rect(bx, by - 7, w, 14); ctx.fill(); ctx.stroke();
    ctx.fillStyle = "#1b1b1b"; ctx.fillText(text, bx + 3, by);
    c.badge = { text: text, x0: bx, y0: by - 7, x1: bx + w, y1: by + 7, badge: true };
    labels.push(c.badge);  // place labels keep off it
  }

  function overlaps(b) {
    for (let j = 0; j < labels.length; j++) {
      const o = labels[j];
      if (b.x0 < o.x1 && b.x1 > o.x0 && b.y0 < o.y1 && b.y1 > o.y0) return true;
    }
    return false;
  }
  // a label at the first of a few spots around (x, y) where it overlaps no other; false if none
  function placeLabel(text, x, y, gap, font, spots) {
    ctx.font = font;
    const w = ctx.measureText(text).width, h = 14;
    for (let s = 0; s < spots.length; s++) {
      const dx = spots[s][0], dy = spots[s][1];
      const x0 = dx > 0 ? x + gap : dx < 0 ? x - gap - w : x - w / 2;
      const yc = dy > 0 ? y + gap + h / 2 : dy < 0 ? y - gap - h / 2 : y;
      const b = { text: text, x0: x0 - 2, y0: yc - h / 2 - 1, x1: x0 + w + 2, y1: yc + h / 2 + 1, tx: x0, ty: yc, font: font };
      if (!overlaps(b)) { labels.push(b); return b; }
    }
    return false;
  }
  function drawLabel(b, fill, halo) {
    ctx.font = b.font; ctx.textAlign = "left"; ctx.textBaseline = "middle";
    ctx.lineWidth = 3.5; ctx.lineJoin = "round"; ctx.strokeStyle = halo; ctx.strokeText(b.text, b.tx, b.ty);
    ctx.fillStyle = fill; ctx.fillText(b.text, b.tx, b.ty);
  }

  function draw() {
    compute();
    if (!canvas.width && !fit()) return;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    const w = canvas.width / dpr, h = canvas.height / dpr;
    ctx.fillStyle = "#dfeaf2"; ctx.fillRect(0, 0, w, h);  // the sea (the Gulf of Guinea, the Atlantic)
    map.borders.forEach(function (c) {
      ctx.beginPath();
      c.rings.forEach(function (r) {
        for (let j = 0; j < r.length; j += 2) {
          const p = project(r[j], r[j + 1]);
          if (j === 0) ctx.moveTo(p[0], p[1]); else ctx.lineTo(p[0], p[1]);
        }
        ctx.closePath();
      });
      ctx.fillStyle = c.focus ? "#f6f0e1" : "#eeeeea";
      ctx.fill("evenodd");
      ctx.strokeStyle = c.focus ? "#8a7a5a" : "#aaaaaa";
      ctx.lineWidth = c.focus ? 1.3 : 0.8;
      ctx.stroke();
    });
    grid = new Map();
    markers = [];
    labels = [];
    const cell = 24, MERGE = 5;
    // country names claim their room first; they are drawn last, on top of everything
    const countryBoxes = [];
    map.countryLabels.forEach(function (c) {
      const p = project(c[1], c[2]);
      if (p[0] < 0 || p[1] < 0 || p[0] > w || p[1] > h) return;
      const b = placeLabel(c[0].toUpperCase(), p[0], p[1], 0, (c[3] ? "bold 14px" : "12px") + " DejaVu Sans, Arial, sans-serif", [[0, 0]]);
      if (b) { b.country = true; b.focus = !!c[3]; countryBoxes.push(b); }
    });
    // point markers: one per place and kind; too many on screen -> hexagons
    const points = [], areas = [];
    groups.forEach(function (g) {
      const pl = map.places[g.place];
      const p = project(pl[2], pl[1]);
      if (p[0] < -30 || p[1] < -30 || p[0] > w + 30 || p[1] > h + 30) return;
      (g.area ? areas : points).push([p, g]);
    });
    hexMode = points.length > HEX_LIMIT;
    if (hexMode) {
      const hexes = new Map();
      const sq3 = Math.sqrt(3);
      points.forEach(function (pg) {
        const p = pg[0], g = pg[1];
        // pointy-top hexagons: axial coordinates, rounded in cube coordinates
        const q = (sq3 / 3 * p[0] - p[1] / 3) / HEX_R, r = (2 / 3 * p[1]) / HEX_R;
        let rx = Math.round(q), rz = Math.round(r), ry = Math.round(-q - r);
        const dx = Math.abs(rx - q), dz = Math.abs(rz - r), dy = Math.abs(ry + q + r);
        if (dx > dy && dx > dz) rx = -ry - rz; else if (dz >= dy) rz = -rx - ry;
        const k = rx + "," + rz;
        let c = hexes.get(k);
        if (!c) {
          c = { x: HEX_R * sq3 * (rx + rz / 2), y: HEX_R * 1.5 * rz, r: HEX_R, kind: g.kind, deaths: 0, n: 0, parts: [], hex: true };
          hexes.set(k, c); markers.push(c);
        }
        c.deaths += g.deaths; c.n += g.events.length; c.parts.push(g);
      });
      let most = 1;
      markers.forEach(function (c) { most = Math.max(most, c.n); });
      markers.forEach(function (c) {
        const t = Math.log(1 + c.n) / Math.log(1 + most);  // 0..1
        c.shade = t;
        ctx.beginPath();
        for (let j = 0; j < 6; j++) {
          const a = Math.PI / 6 + Math.PI / 3 * j;
          const px = c.x + (HEX_R - 0.8) * Math.cos(a), py = c.y + (HEX_R - 0.8) * Math.sin(a);
          if (j === 0) ctx.moveTo(px, py); else ctx.lineTo(px, py);
        }
        ctx.closePath();
        const light = [254, 224, 182], dark = [127, 39, 4];
        const col = light.map(function (v, j) { return Math.round(v + (dark[j] - v) * t); });
        ctx.fillStyle = "rgba(" + col.join(",") + ",0.88)";
        ctx.fill();
        ctx.strokeStyle = "#ffffff"; ctx.lineWidth = 1; ctx.stroke();
        ctx.font = "bold 10px DejaVu Sans, Arial, sans-serif"; ctx.textAlign = "center"; ctx.textBaseline = "middle";
        ctx.fillStyle = t > 0.45 ? "#ffffff" : "#3a1a00";
        ctx.fillText(c.n > 999 ? Math.round(c.n / 100) / 10 + "k" : String(c.n), c.x, c.y);
      });
    } else {
      const merged = new Map();
      points.forEach(function (pg) {
        const p = pg[0], g = pg[1];
        const k = g.kind + ":" + Math.round(p[0] / MERGE) + "," + Math.round(p[1] / MERGE);
        let c = merged.get(k);
        if (!c) { c = { x: p[0], y: p[1], kind: g.kind, deaths: 0, n: 0, parts: [], sets: 0 }; merged.set(k, c); markers.push(c); }
        c.deaths += g.deaths; c.n += g.events.length; c.parts.push(g); c.sets |= g.sets;
      });
      markers.forEach(function (c) { c.r = radius(c.deaths, c.n); });
      markers.sort(function (a, b) { return b.r - a.r; });  // biggest first so the small stay clickable on top
      markers.forEach(function (c) {
        const sel = selected >= 0 && c.parts.some(function (g) { return g.events.indexOf(selected) >= 0; });
        const kind = map.kinds[c.kind];
        shapePath(kind.shape, c.x, c.y, c.r);
        ctx.fillStyle = kind.color + "c0";
        ctx.fill();
        ctx.strokeStyle = sel ? "#000" : "rgba(40,40,40,0.8)";
        ctx.lineWidth = sel ? 2.5 : 0.8;
        ctx.stroke();
      });
    }
    // areas: a dashed ring per region, "somewhere in ...", on top of the points
    areas.forEach(function (pg) {
      const p = pg[0], g = pg[1];
      const c = { x: p[0], y: p[1], kind: g.kind, deaths: g.deaths, n: g.events.length, parts: [g], area: true,
                  place: map.places[g.place][0], sets: g.sets };
      c.r = Math.max(16, radius(g.deaths, g.events.length) + 8);
      const sel = selected >= 0 && g.events.indexOf(selected) >= 0;
      ctx.beginPath(); ctx.arc(c.x, c.y, c.r, 0, 2 * Math.PI);
      ctx.fillStyle = map.kinds[g.kind].color + "33"; ctx.fill();
      ctx.setLineDash([5, 3]); ctx.strokeStyle = sel ? "#000" : "#333"; ctx.lineWidth = sel ? 2.5 : 1.6; ctx.stroke();
      ctx.setLineDash([]);
      ctx.font = "bold 11px DejaVu Sans, Arial, sans-serif"; ctx.textAlign = "center"; ctx.textBaseline = "middle";
      ctx.lineWidth = 3; ctx.strokeStyle = "#ffffff"; ctx.strokeText(String(c.n), c.x, c.y);
      ctx.fillStyle = "#222"; ctx.fillText(String(c.n), c.x, c.y);
      markers.push(c);
    });
    markers.forEach(function (c) { if (c.sets & (c.sets - 1)) datasetMarks(c); });
    markers.forEach(function (c) {
      const key = Math.floor(c.x / cell) + "," + Math.floor(c.y / cell);
      if (!grid.has(key)) grid.set(key, []);
      grid.get(key).push(c);
    });
    // labels by importance: areas ("somewhere in ..."), then places by the events shown there, then the other curated places
    const weight = new Map();
    groups.forEach(function (g) { weight.set(g.place, (weight.get(g.place) || 0) + g.events.length + g.deaths / 10); });
    const ringOf = new Map();
    markers.forEach(function (c) { if (c.area) ringOf.set(c.parts[0].place, c); });
    const candidates = [];
    map.places.forEach(function (pl, i) {
      if (pl[3] === AREA && ringOf.has(i)) candidates.push([1e9 + (weight.get(i) || 0), i]);
      else if (pl[3] === POINT && !hexMode) candidates.push([weight.get(i) || 0, i]);
    });
    candidates.sort(function (a, b) { return b[0] - a[0] || a[1] - b[1]; });
    const spots = [[1, -1], [1, 1], [-1, -1], [-1, 1], [0, 1], [0, -1]];
    candidates.forEach(function (cand) {
      const i = cand[1], pl = map.places[i];
      const p = project(pl[2], pl[1]);
      if (p[0] < 0 || p[1] < 0 || p[0] > w || p[1] > h) return;
      if (pl[3] === AREA) {
        const ring = ringOf.get(i);
        const b = placeLabel(hooks.somewhere(pl[0]), p[0], p[1], ring.r + 2, "italic 11px DejaVu Sans, Arial, sans-serif", [[0, 1], [0, -1], [1, 0], [-1, 0]]);
        if (b) drawLabel(b, "#222", "rgba(255,255,255,0.9)");
        return;
      }
      if (cand[0] === 0 && view.scale < 60) return;  // a curated place with no event now: only when zoomed in
      const b = placeLabel(pl[0], p[0], p[1], 5, "11px DejaVu Sans, Arial, sans-serif", spots);
      if (b) {
        ctx.fillStyle = "#333"; ctx.fillRect(p[0] - 2, p[1] - 2, 4, 4);
        drawLabel(b, "#222", "rgba(255,255,255,0.9)");
      }
    });
    countryBoxes.forEach(function (b) { drawLabel(b, b.focus ? "#4f3f1e" : "#555555", "rgba(255,255,255,0.85)"); });
    const f = markers[focused];
    if (f) {  // the keyboard's focus: the page's focus colour, with a white halo to read on any fill
      ctx.beginPath(); ctx.arc(f.x, f.y, (f.r || HEX_R) + 5, 0, 2 * Math.PI);
      ctx.lineWidth = 6; ctx.strokeStyle = "#ffffff"; ctx.stroke();
      ctx.lineWidth = 3; ctx.strokeStyle = "#c25e00"; ctx.stroke();
    }
    window.kgMapLabels = labels.length;
  }

  // events under a point of the canvas: the nearest marker's first, each marker's deadliest first
  function at(px, py) {
    const hits = [];
    const cx = Math.floor(px / cell0), cy = Math.floor(py / cell0);
    for (let dx = -2; dx <= 2; dx++) for (let dy = -2; dy <= 2; dy++) {
      (grid.get((cx + dx) + "," + (cy + dy)) || []).forEach(function (c) {
        const d = Math.hypot(c.x - px, c.y - py);
        if (d <= c.r + 3) hits.push([c.area ? -1 : d, c]);  // an area ring lies over the points inside it
      });
    }
    hits.sort(function (a, b) { return a[0] - b[0] || b[1].deaths - a[1].deaths; });
    return hits.map(function (h) { return h[1]; });
  }
  const cell0 = 24;
  function eventsOf(found) {
    const out = [];
    found.forEach(function (c) {
      const events = [];
      c.parts.forEach(function (g) { g.events.forEach(function (i) { events.push(i); }); });
      events.sort(function (a, b) { return deathsOf[b] - deathsOf[a] || a - b; }).forEach(function (i) { out.push(i); });
    });
    return out;
  }

  function zoomAt(x, y, f) {
    const mx = x - canvas.width / dpr / 2, my = y - canvas.height / dpr / 2;
    const ux = view.cx + mx / view.scale, uy = view.cy + my / view.scale;
    view.scale = Math.max(3, Math.min(4000, view.scale * f));
    view.cx = ux - mx / view.scale; view.cy = uy - my / view.scale;
    moved_();
  }
  function moved_() { schedule(); if (hooks.moved) hooks.moved(); }
  function click(x, y) { choose(at(x, y)); }
  function choose(found) {
    if (found.length && found[0].hex) {  // a hexagon: zoom in on it
      zoomAt(found[0].x, found[0].y, 3);
      return;
    }
    const hits = eventsOf(found);
    selected = hits.length ? hits[0] : -1;
    hooks.select(hits);
    schedule();
  }
  let drag = null, moved = false;
  canvas.addEventListener("pointerdown", function (e) {
    drag = [e.clientX, e.clientY, view.cx, view.cy]; moved = false;
    try { canvas.setPointerCapture(e.pointerId); } catch (err) { /* a synthetic event */ }
  });
  canvas.addEventListener("pointermove", function (e) {
    const r = canvas.getBoundingClientRect();
    if (!drag) { canvas.style.cursor = at(e.clientX - r.left, e.clientY - r.top).length ? "pointer" : "grab"; return; }
    const dx = e.clientX - drag[0], dy = e.clientY - drag[1];
    if (Math.abs(dx) + Math.abs(dy) > 4) moved = true;
    if (moved) { view.cx = drag[2] - dx / view.scale; view.cy = drag[3] - dy / view.scale; moved_(); }
  });
  canvas.addEventListener("pointerup", function (e) {
    if (!drag) return;
    drag = null;
    if (moved) return;
    const r = canvas.getBoundingClientRect();
    click(e.clientX - r.left, e.clientY - r.top);
  });
  canvas.addEventListener("wheel", function (e) {
    e.preventDefault();
    const r = canvas.getBoundingClientRect();
    zoomAt(e.clientX - r.left, e.clientY - r.top, Math.exp(-e.deltaY * 0.0015));
  }, { passive: false });
  canvas.tabIndex = 0;  // the keyboard: arrows pan, + and - zoom
  canvas.addEventListener("keydown", function (e) {
    const step = 60 / view.scale;
    const keys = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step] };
    if (keys[e.key]) { view.cx += keys[e.key][0]; view.cy += keys[e.key][1]; moved_(); e.preventDefault(); }
    else if (e.key === "+" || e.key === "=") { zoomAt(canvas.width / dpr / 2, canvas.height / dpr / 2, 1.5); e.preventDefault(); }
    else if (e.key === "-") { zoomAt(canvas.width / dpr / 2, canvas.height / dpr / 2, 1 / 1.5); e.preventDefault(); }
  });

  let pending = false;
  function schedule() {
    if (pending) return;
    pending = true;
    requestAnimationFrame(function () { pending = false; draw(); });
  }
  let wanted = null;  // a view asked for before the map had a size
  function resize() {
    if (fit()) {
      if (!view.fitted) { home(); view.fitted = true; if (wanted) { setView(wanted); wanted = null; } }
      draw();
    }
  }
  function setView(v) {
    if (!view.fitted) { wanted = v; return; }
    view.cx = v[0] * K; view.cy = -v[1]; view.scale = v[2]; schedule();
  }
  window.addEventListener("resize", resize);

  return {
    show: function () { resize(); },
    setWindow: function (w) {
      const same = (w === null && win === null) || (w && win && w[0] === win[0] && w[1] === win[1]);
      if (!same) { win = w ? [w[0], w[1]] : null; dirty = true; }
      schedule();
    },
    setYear: function (y) { this.setWindow(y === null || y === undefined ? null : [y, y]); },
    setHiddenKinds: function (s) { hiddenKinds = s; dirty = true; schedule(); },
    setHiddenActors: function (s) {
      hiddenActors = s && s.size ? s : null;
      if (hiddenActors) {  // per list of participants: are they all hidden? (the empty list, 0, is)
        allHidden = Uint8Array.from(map.groups, function (g) { return g.every(function (a) { return hiddenActors.has(a); }) ? 1 : 0; });
      }
      dirty = true;
      schedule();
    },
    redraw: draw,
    // after a change, the counts are those of the next frame: draw it now if the map is not shown
    visibleCount: function () { compute(); return drawn.length + listed.length; },
    countsByKind: function () { compute(); return counts.slice(); },
    shownIndexes: function () { compute(); return drawn.concat(listed); },
    listedIndexes: function () { compute(); return listed.slice(); },
    circles: function () { return markers.length; },
    hexMode: function () { return hexMode; },
    markers: function () {  // what is drawn, for tests: position, size, kind and the events it stands for
      return markers.map(function (c) {
        const events = [];
        c.parts.forEach(function (g) { g.events.forEach(function (i) { events.push(ev.id[i]); }); });
        const sets = SETS.filter(function (d, j) { return (c.sets || 0) & (1 << j); });
        return { x: c.x, y: c.y, r: c.r, hex: !!c.hex, area: !!c.area, kind: map.kinds[c.kind].key, n: c.n, events: events,
                 datasets: sets, badge: c.badge ? c.badge.text : null };
      });
    },
    labelBoxes: function () { return labels.filter(function (b) { return !b.badge; }).map(function (b) { return { text: b.text, x0: b.x0, y0: b.y0, x1: b.x1, y1: b.y1, country: !!b.country }; }); },
    screenOf: function (i) {  // where marker i is, in page coordinates (for tests)
      const pl = map.places[ev.place[i]];
      const p = project(pl[2], pl[1]);
      const r = canvas.getBoundingClientRect();
      return [p[0] + r.left, p[1] + r.top];
    },
    screenOfLonLat: function (lon, lat) {
      const p = project(lon, lat);
      const r = canvas.getBoundingClientRect();
      return [p[0] + r.left, p[1] + r.top];
    },
    pixelAt: function (lon, lat) {  // the colour drawn at a place, as [r, g, b] (for tests)
      const p = project(lon, lat);
      return Array.from(ctx.getImageData(Math.round(p[0] * dpr), Math.round(p[1] * dpr), 1, 1).data.slice(0, 3));
    },
    zoomTo: function (lon, lat, scale) { view.cx = lon * K; view.cy = -lat; view.scale = scale; draw(); if (hooks.moved) hooks.moved(); },
    focusEvent: function (i) {  // centre the map on an event's place, zoomed in, and select it
      const pl = map.places[ev.place[i]];
      selected = i;
      if (placeType[ev.place[i]] !== COUNTRY) this.zoomTo(pl[2], pl[1], Math.max(view.scale, 120));
      else draw();
    },
    getView: function () {  // centre (lon, lat) and zoom, for the page's address
      const c = unproject(canvas.width / dpr / 2, canvas.height / dpr / 2);
      return [Math.round(c[0] * 100) / 100, Math.round(c[1] * 100) / 100, Math.round(view.scale * 10) / 10];
    },
    setView: setView,
    drawnIndexes: function () { compute(); return drawn.slice(); },
    incidentOf: function (i) { return incOf[i] >= 0 ? map.incidents[incOf[i]] : null; },
    // the markers on screen for the keyboard's list, west to east: what each is, and a key that
    // finds it again after a redraw
    shapes: function () {
      const w = canvas.width / dpr, h = canvas.height / dpr;
      return markers.map(function (c, k) {
        const place = c.area ? c.place : map.places[c.parts[0].place][0];
        return { k: k, key: (c.hex ? "h" : c.area ? "a" : "p") + Math.round(c.x) + "," + Math.round(c.y) + ":" + c.kind,
                 x: c.x, y: c.y, hex: !!c.hex, area: !!c.area, n: c.n, deaths: c.deaths, place: place,
                 kind: map.kinds[c.kind].label, datasets: SETS.filter(function (d, j) { return (c.sets || 0) & (1 << j); }) };
      }).filter(function (m) { return m.x >= 0 && m.y >= 0 && m.x <= w && m.y <= h; })
        .sort(function (a, b) { return a.x - b.x || a.y - b.y; });
    },
    focusShape: function (k) { if (focused !== k) { focused = k; draw(); } },
    focusedShape: function () { const f = markers[focused]; return f ? { x: f.x, y: f.y, r: f.r || HEX_R, hex: !!f.hex } : null; },
    ringPixel: function () {  // the colour drawn on the focus ring, right of the focused marker (for tests)
      const f = markers[focused];
      if (!f) return null;
      return Array.from(ctx.getImageData(Math.round((f.x + (f.r || HEX_R) + 5) * dpr), Math.round(f.y * dpr), 1, 1).data.slice(0, 3));
    },
    chooseShape: function (k) { if (markers[k]) choose([markers[k]]); },
    select: function (i) { selected = i; draw(); }
  };
};
