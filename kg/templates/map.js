// The map of kg viz: Natural Earth borders and every event at its place, drawn on a
// canvas with a plain equirectangular projection (no tiles, no library, no network).
// A canvas redraws 100,000 circles in tens of milliseconds, where as many SVG or DOM
// markers would not; clicks are found through a grid of the drawn markers.
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
  for (let i = 0; i < n; i++) {
    y0[i] = new Date(ev.start[i] * DAY).getUTCFullYear();
    y1[i] = new Date(ev.end[i] * DAY).getUTCFullYear();
  }
  const K = Math.cos(15 * Math.PI / 180);  // a plain equirectangular projection, true at 15°N
  let view = { cx: 1.5 * K, cy: -15.5, scale: 1 };  // centre in projected units, pixels per unit
  let year = null, hiddenKinds = new Set(), hiddenActors = null;
  let drawn = [];  // indexes of the markers drawn, for clicks
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

  function radius(deaths) { return deaths > 0 ? Math.min(26, 3 + 1.7 * Math.sqrt(deaths)) : 3; }
  function visible(i) {
    if (year !== null && (y0[i] > year || y1[i] < year)) return false;
    if (hiddenKinds.has(ev.kind[i])) return false;
    if (hiddenActors) {
      const all = map.groups[ev.a[i]].concat(map.groups[ev.b[i]], map.groups[ev.o[i]]);
      if (all.length && all.every(function (a) { return hiddenActors.has(a); })) return false;
    }
    return true;
  }

  function draw() {
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
    // markers: biggest first so the small ones stay clickable on top
    drawn = [];
    for (let i = 0; i < n; i++) if (visible(i)) drawn.push(i);
    drawn.sort(function (a, b) { return ev.deaths[b] - ev.deaths[a]; });
    grid = new Map();
    const cell = 24;
    ctx.lineWidth = 0.7;
    drawn.forEach(function (i) {
      const pl = map.places[ev.place[i]];
      const p = project(pl[2], pl[1]);
      if (p[0] < -30 || p[1] < -30 || p[0] > w + 30 || p[1] > h + 30) return;
      const r = radius(ev.deaths[i]);
      ctx.beginPath();
      ctx.arc(p[0], p[1], r, 0, 2 * Math.PI);
      ctx.fillStyle = map.kinds[ev.kind[i]].color + "b3";
      ctx.fill();
      ctx.strokeStyle = i === selected ? "#000" : "rgba(40,40,40,0.7)";
      ctx.lineWidth = i === selected ? 2.5 : 0.7;
      ctx.stroke();
      const key = Math.floor(p[0] / cell) + "," + Math.floor(p[1] / cell);
      if (!grid.has(key)) grid.set(key, []);
      grid.get(key).push(i);
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
    window.kgMapDrawn = drawn.length;
  }

  // events under a point of the canvas, nearest first
  function at(px, py) {
    const cell = 24, out = [];
    const cx = Math.floor(px / cell), cy = Math.floor(py / cell);
    for (let dx = -2; dx <= 2; dx++) for (let dy = -2; dy <= 2; dy++) {
      (grid.get((cx + dx) + "," + (cy + dy)) || []).forEach(function (i) {
        const pl = map.places[ev.place[i]];
        const p = project(pl[2], pl[1]);
        const d = Math.hypot(p[0] - px, p[1] - py);
        if (d <= radius(ev.deaths[i]) + 3) out.push([d, i]);
      });
    }
    out.sort(function (a, b) { return a[0] - b[0] || a[1] - b[1]; });
    return out.map(function (x) { return x[1]; });
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
    setYear: function (y) { year = y; schedule(); },
    setHiddenKinds: function (s) { hiddenKinds = s; schedule(); },
    setHiddenActors: function (s) { hiddenActors = s && s.size ? s : null; schedule(); },
    redraw: draw,
    visibleCount: function () { let c = 0; for (let i = 0; i < n; i++) if (visible(i)) c++; return c; },
    countsByKind: function () {
      const c = map.kinds.map(function () { return 0; });
      for (let i = 0; i < n; i++) {
        if (year !== null && (y0[i] > year || y1[i] < year)) continue;
        c[ev.kind[i]]++;
      }
      return c;
    },
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
