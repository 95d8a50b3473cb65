// The map of kg viz: Natural Earth borders and every event at its place, drawn on a
// canvas with a plain equirectangular projection (no tiles, no library, no network).
// Events at the same place, of the same kind and shown at the same time are drawn as one
// circle (sized by their deaths together; a click lists them all), so a 100,000-event
// import draws a few thousand circles per frame; clicks are found through a grid.
"use strict";
window.KGMap = function (container, map, hooks) {
  const canvas = document.createElement("canvas");
  canvas.id = "map-canvas";
  container.appendChild(canvas);
  const ctx = canvas.getContext("2d");
  const ev = map.events;
  const n = ev.id.length;
  const DAY = 86400000;
  const y0 = new Int16Array(n), y1 = new Int16Array(n);
  const kindOf = Int8Array.from(ev.kind), placeOf = Int32Array.from(ev.place), deathsOf = Int32Array.from(ev.deaths);
  const yearCache = new Map();
  for (let i = 0; i < n; i++) {  // years from days since 1970, without a Date per event
    const a = ev.start[i], b = ev.end[i];
    y0[i] = yearCache.get(a) || yearOf(a);
    y1[i] = yearCache.get(b) || yearOf(b);
  }
  function yearOf(day) { const y = new Date(day * DAY).getUTCFullYear(); yearCache.set(day, y); return y; }
  const nKinds = map.kinds.length;
  const K = Math.cos(15 * Math.PI / 180);  // a plain equirectangular projection, true at 15°N
  let view = { cx: 1.5 * K, cy: -15.5, scale: 1 };  // centre in projected units, pixels per unit
  let year = null, hiddenKinds = new Set(), hiddenActors = null;
  let drawn = [];  // indexes of the events shown
  let groups = [];  // the events of one place and kind: {place, kind, deaths, events: [indexes]}
  let circles = [];  // what is drawn: {x, y, r, kind, deaths, n, parts: [groups]}
  let counts = null;  // events shown, by kind
  let grid = new Map();
  let selected = -1;

  function project(lon, lat) {
    return [(lon * K - view.cx) * view.scale + canvas.width / 2 / dpr, (-lat - view.cy) * view.scale + canvas.height / 2 / dpr];
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
    // Mali, Burkina Faso, Niger and their neighbours: about 17°W-17°E, 4°N-25°N
    view.cx = 0 * K; view.cy = -14.5;
    view.scale = Math.min(container.clientWidth / (36 * K), container.clientHeight / 22);
  }

  function radius(deaths, count) {
    return Math.min(30, (deaths > 0 ? 3 + 1.7 * Math.sqrt(deaths) : 3) + (count > 1 ? Math.log2(count) : 0));
  }
  function visible(i) {
    if (year !== null && (y0[i] > year || y1[i] < year)) return false;
    if (hiddenKinds.has(kindOf[i])) return false;
    if (hiddenActors) {  // every participant is of a hidden type
      const a = ev.a[i], b = ev.b[i], o = ev.o[i];
      if (allHidden[a] && allHidden[b] && allHidden[o] && (a || b || o)) return false;
    }
    return true;
  }

  let dirty = true;
  let allHidden = null;
  function compute() {  // the events shown, their circles and the counts by kind
    if (!dirty) return;
    dirty = false;
    drawn = [];
    counts = new Array(nKinds).fill(0);
    const byKey = new Map();
    for (let i = 0; i < n; i++) {
      if (year !== null && (y0[i] > year || y1[i] < year)) continue;
      counts[kindOf[i]]++;
      if (!visible(i)) continue;
      drawn.push(i);
      const k = placeOf[i] * nKinds + kindOf[i];
      let g = byKey.get(k);
      if (!g) { g = { place: placeOf[i], kind: kindOf[i], deaths: 0, events: [] }; byKey.set(k, g); }
      if (deathsOf[i] > 0) g.deaths += deathsOf[i];
      g.events.push(i);
    }
    groups = Array.from(byKey.values()).sort(function (a, b) { return b.deaths - a.deaths || b.events.length - a.events.length; });
    window.kgMapDrawn = drawn.length;
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
    ctx.font = "bold 13px DejaVu Sans, Arial, sans-serif";
    ctx.textAlign = "center";
    map.countryLabels.forEach(function (c) {
      const p = project(c[1], c[2]);
      ctx.fillStyle = c[3] ? "rgba(110,90,50,0.55)" : "rgba(120,120,120,0.5)";
      ctx.fillText(c[0].toUpperCase(), p[0], p[1]);
    });
    // markers: one circle per place and kind; circles of one kind closer than MERGE pixels are
    // drawn as one (zoom in to tell them apart); biggest first so the small stay clickable on top
    grid = new Map();
    const cell = 24, MERGE = 5;
    const merged = new Map();
    circles = [];
    groups.forEach(function (g) {
      const pl = map.places[g.place];
      const p = project(pl[2], pl[1]);
      if (p[0] < -30 || p[1] < -30 || p[0] > w + 30 || p[1] > h + 30) return;
      const k = g.kind + ":" + Math.round(p[0] / MERGE) + "," + Math.round(p[1] / MERGE);
      let c = merged.get(k);
      if (!c) { c = { x: p[0], y: p[1], kind: g.kind, deaths: 0, n: 0, parts: [] }; merged.set(k, c); circles.push(c); }
      c.deaths += g.deaths; c.n += g.events.length; c.parts.push(g);
    });
    circles.forEach(function (c) { c.r = radius(c.deaths, c.n); });
    circles.sort(function (a, b) { return b.r - a.r; });
    circles.forEach(function (c) {
      const sel = selected >= 0 && c.parts.some(function (g) { return g.events.indexOf(selected) >= 0; });
      ctx.beginPath();
      ctx.arc(c.x, c.y, c.r, 0, 2 * Math.PI);
      ctx.fillStyle = map.kinds[c.kind].color + "b3";
      ctx.fill();
      ctx.strokeStyle = sel ? "#000" : "rgba(40,40,40,0.7)";
      ctx.lineWidth = sel ? 2.5 : 0.7;
      ctx.stroke();
      const key = Math.floor(c.x / cell) + "," + Math.floor(c.y / cell);
      if (!grid.has(key)) grid.set(key, []);
      grid.get(key).push(c);
    });
    // the curated places, labelled (imported places are only where their events are)
    ctx.font = "11px DejaVu Sans, Arial, sans-serif";
    ctx.textAlign = "left";
    map.places.forEach(function (pl) {
      if (pl[3] !== 1) return;
      const p = project(pl[2], pl[1]);
      ctx.fillStyle = "#333"; ctx.fillRect(p[0] - 2, p[1] - 2, 4, 4);
      ctx.lineWidth = 3; ctx.strokeStyle = "rgba(255,255,255,0.85)"; ctx.strokeText(pl[0], p[0] + 5, p[1] - 4);
      ctx.fillStyle = "#222"; ctx.fillText(pl[0], p[0] + 5, p[1] - 4);
    });
  }

  // events under a point of the canvas: the nearest circle's first, each circle's deadliest first
  function at(px, py) {
    const cell = 24, hits = [];
    const cx = Math.floor(px / cell), cy = Math.floor(py / cell);
    for (let dx = -2; dx <= 2; dx++) for (let dy = -2; dy <= 2; dy++) {
      (grid.get((cx + dx) + "," + (cy + dy)) || []).forEach(function (c) {
        const d = Math.hypot(c.x - px, c.y - py);
        if (d <= c.r + 3) hits.push([d, c]);
      });
    }
    hits.sort(function (a, b) { return a[0] - b[0] || b[1].deaths - a[1].deaths; });
    const out = [];
    hits.forEach(function (h) {
      const events = [];
      h[1].parts.forEach(function (g) { g.events.forEach(function (i) { events.push(i); }); });
      events.sort(function (a, b) { return deathsOf[b] - deathsOf[a] || a - b; }).forEach(function (i) { out.push(i); });
    });
    return out;
  }

  let drag = null, moved = false;
  canvas.addEventListener("mousedown", function (e) { drag = [e.clientX, e.clientY, view.cx, view.cy]; moved = false; });
  window.addEventListener("mousemove", function (e) {
    if (!drag) return;
    const dx = e.clientX - drag[0], dy = e.clientY - drag[1];
    if (Math.abs(dx) + Math.abs(dy) > 3) moved = true;
    if (moved) { view.cx = drag[2] - dx / view.scale; view.cy = drag[3] - dy / view.scale; schedule(); }
  });
  window.addEventListener("mouseup", function (e) {
    if (!drag) return;
    drag = null;
    if (moved) return;
    const r = canvas.getBoundingClientRect();
    const hits = at(e.clientX - r.left, e.clientY - r.top);
    selected = hits.length ? hits[0] : -1;
    hooks.select(hits);
    schedule();
  });
  canvas.addEventListener("wheel", function (e) {
    e.preventDefault();
    const r = canvas.getBoundingClientRect();
    const mx = e.clientX - r.left - r.width / 2, my = e.clientY - r.top - r.height / 2;
    const f = Math.exp(-e.deltaY * 0.0015);
    const ux = view.cx + mx / view.scale, uy = view.cy + my / view.scale;
    view.scale = Math.max(3, Math.min(4000, view.scale * f));
    view.cx = ux - mx / view.scale; view.cy = uy - my / view.scale;
    schedule();
  }, { passive: false });
  canvas.addEventListener("mousemove", function (e) {
    if (drag) return;
    const r = canvas.getBoundingClientRect();
    canvas.style.cursor = at(e.clientX - r.left, e.clientY - r.top).length ? "pointer" : "grab";
  });

  let pending = false;
  function schedule() {
    if (pending) return;
    pending = true;
    requestAnimationFrame(function () { pending = false; draw(); });
  }
  function resize() { if (fit()) { if (!view.fitted) { home(); view.fitted = true; } draw(); } }
  window.addEventListener("resize", resize);

  return {
    show: function () { resize(); },
    setYear: function (y) { if (y !== year) { year = y; dirty = true; } schedule(); },
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
    visibleCount: function () { compute(); return drawn.length; },
    countsByKind: function () { compute(); return counts.slice(); },
    circles: function () { return circles.length; },
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
    zoomTo: function (lon, lat, scale) { view.cx = lon * K; view.cy = -lat; view.scale = scale; draw(); },
    drawnIndexes: function () { return drawn.slice(); },
    select: function (i) { selected = i; draw(); }
  };
};
