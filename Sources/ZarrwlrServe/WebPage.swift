/// The one page `aimport serve` gives: no build step, nothing from elsewhere. A timeline of the
/// recordings per device on a wall-clock axis (UTC; zoom with the wheel from years to a second,
/// drag to pan, only what is in view drawn; recordings without a known start listed apart), and a spectrogram view of one recording made of 256-pixel tiles requested only for
/// what is on screen (zoom from the whole recording down to milliseconds; drag to pan, wheel
/// to zoom); playback of the visible span (time expansion x1/x10/x20) and its download; the
/// boxes of a layer; boxes drawn with shift-drag, saved to a layer or exported as a Raven table.
enum WebPage {
    static let html = #"""
<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>zarrwlr</title><link rel="icon" href="data:,">
<style>
body{font:13px system-ui,sans-serif;margin:0;display:flex;flex-direction:column;height:100vh}
header{padding:6px 10px;background:#223;color:#eee;display:flex;gap:10px;align-items:center;flex-wrap:wrap}
#timeline{height:120px;border-bottom:1px solid #999;position:relative;overflow:hidden;cursor:grab;background:#f6f6f8}
.tick{position:absolute;top:0;bottom:0;border-left:1px solid #ccd;font-size:10px;color:#556;padding-left:2px;white-space:nowrap;pointer-events:none}
.device{position:absolute;left:2px;font-size:10px;color:#334;pointer-events:none;z-index:1}
.rec{position:absolute;background:#36c;cursor:pointer}
#view{flex:1;position:relative;overflow:hidden;background:#000;cursor:grab}
#view img{position:absolute;top:0;image-rendering:pixelated}
.box{position:absolute;border:2px solid #ff0;pointer-events:none;color:#ff0;font-size:11px}
.box.drawn{border-color:#0ff;color:#0ff}
#unplaced{font-size:11px;color:#ccc}
button,select,input{font:inherit}
</style></head><body>
<header>
 <b>zarrwlr</b>
 <select id="recording"></select>
 <button id="zoomIn">zoom in</button><button id="zoomOut">zoom out</button>
 <span id="where"></span>
 <label>expansion <select id="expansion"><option>1</option><option>10</option><option>20</option></select></label>
 <button id="play">play view</button><a id="download" href="#">download view</a>
 <label>layer <select id="layer"><option value="">-</option></select></label>
 <input id="layerName" placeholder="new layer" size="10"><button id="save">save boxes</button><button id="export">export boxes</button>
 <span id="unplaced"></span>
</header>
<div id="timeline"></div>
<div id="view"></div>
<audio id="audio"></audio>
<script>
"use strict";
const TILE = 256;
let recordings = [], current = null, viewStart = 0, secondsPerPixel = 0.01, drawn = [], layerRows = [];
const view = document.getElementById("view"), timeline = document.getElementById("timeline");
async function getJSON(url) { const r = await fetch(url); if (!r.ok) throw new Error((await r.json()).error); return r.json(); }
function height() { return view.clientHeight; }
function tileSeconds() { return secondsPerPixel * TILE; }
function render() {
  if (!current) return;
  const width = view.clientWidth, nyquist = current.sample_rate / 2;
  const span = width * secondsPerPixel, first = Math.max(0, Math.floor(viewStart / tileSeconds())), last = Math.floor((viewStart + span) / tileSeconds());
  const wanted = new Set();
  for (let k = first; k <= last; k++) {
    const start = k * tileSeconds(); if (start >= current.seconds) break;
    const src = `/api/tile?recording=${current.id}&start=${start}&end=${start + tileSeconds()}&width=${TILE}&height=${height()}&high=${nyquist}`;
    wanted.add(src);
    let img = view.querySelector(`img[data-src="${CSS.escape(src)}"]`);
    if (!img) { img = document.createElement("img"); img.dataset.src = src; img.src = src; img.width = TILE; img.height = height(); view.appendChild(img); }
    img.style.left = ((start - viewStart) / secondsPerPixel) + "px";
  }
  for (const img of [...view.querySelectorAll("img")]) if (!wanted.has(img.dataset.src)) img.remove();
  for (const box of [...view.querySelectorAll(".box")]) box.remove();
  const place = (row, cls) => {
    if (row.recording !== current.id) return;
    const div = document.createElement("div"); div.className = cls;
    const low = row.low_hz ?? 0, high = row.high_hz ?? nyquist;
    div.style.left = ((row.start - viewStart) / secondsPerPixel) + "px"; div.style.width = ((row.end - row.start) / secondsPerPixel) + "px";
    div.style.top = ((1 - high / nyquist) * height()) + "px"; div.style.height = (((high - low) / nyquist) * height()) + "px";
    div.textContent = row.label ?? ""; view.appendChild(div);
  };
  layerRows.forEach(r => place(r, "box")); drawn.forEach(r => place(r, "box drawn"));
  document.getElementById("where").textContent = `${viewStart.toFixed(3)}-${(viewStart + span).toFixed(3)} s of ${current.seconds.toFixed(1)} s`;
  const audio = audioURL(); document.getElementById("download").href = audio;
}
function audioURL() {
  const span = Math.min(view.clientWidth * secondsPerPixel, 600);
  return `/api/audio?recording=${current.id}&start=${viewStart}&end=${Math.min(current.seconds, viewStart + span)}&expansion=${document.getElementById("expansion").value}`;
}
function open(recording, at) {
  current = recording; drawn = []; viewStart = 0;
  secondsPerPixel = Math.pow(2, Math.ceil(Math.log2(recording.seconds / view.clientWidth)));
  if (at !== undefined) { secondsPerPixel = Math.min(secondsPerPixel, 1 / 64); viewStart = Math.max(0, Math.min(at, recording.seconds) - view.clientWidth * secondsPerPixel / 2); }
  for (const img of [...view.querySelectorAll("img")]) img.remove();
  document.getElementById("recording").value = recording.id; render();
}
function zoom(factor, at) {
  const pointer = at ?? view.clientWidth / 2, time = viewStart + pointer * secondsPerPixel;
  secondsPerPixel = Math.min(Math.max(secondsPerPixel * factor, 1 / 65536), 1024);
  viewStart = Math.max(0, time - pointer * secondsPerPixel); render();
}
// The timeline: a wall-clock window (UTC, milliseconds) over the placed recordings, one row per
// device; wheel zooms (a second to a few years), drag pans, a click opens the recording there.
// Only what lies in the window is drawn, and a device's recordings closer than a pixel are drawn
// as one bar, so a season of thousands of recordings costs at most a bar per pixel and device.
let rows = [], tlStart = 0, tlSpan = 1000, tlDrag = null;
const esc = text => String(text).replace(/[&<>"']/g, c => `&#${c.charCodeAt(0)};`);
function layoutTimeline() {
  const placed = recordings.filter(r => r.start).map(r => ({ r, a: Date.parse(r.start), b: Date.parse(r.start) + r.seconds * 1000 }));
  const devices = [...new Set(placed.map(p => p.r.device ?? p.r.site ?? "?"))].sort();
  rows = devices.map(d => ({ name: d, items: placed.filter(p => (p.r.device ?? p.r.site ?? "?") === d).sort((x, y) => x.a - y.a) }));
  if (placed.length) {
    const t0 = Math.min(...placed.map(p => p.a)), t1 = Math.max(...placed.map(p => p.b));
    tlSpan = Math.max(1000, (t1 - t0) * 1.02); tlStart = t0 - (tlSpan - (t1 - t0)) / 2;
  }
  const apart = recordings.filter(r => !r.start);
  document.getElementById("unplaced").textContent = apart.length ? `no known start: ${apart.map(r => r.id).join(", ")}` : "";
}
function drawTimeline() {
  const width = timeline.clientWidth, msPerPixel = tlSpan / width, end = tlStart + tlSpan, parts = [];
  const steps = [1, 10, 60, 600, 3600, 6 * 3600, 86400, 7 * 86400, 30 * 86400, 365 * 86400].map(s => s * 1000);
  const step = steps.find(s => s / msPerPixel >= 90) ?? steps[steps.length - 1];
  for (let t = Math.ceil(tlStart / step) * step; t < end; t += step) {
    const text = new Date(t).toISOString().replace("T", " ").slice(0, step < 60000 ? 19 : step < 86400000 ? 16 : 10);
    parts.push(`<div class="tick" style="left:${(t - tlStart) / msPerPixel}px">${text}</div>`);
  }
  const rowHeight = Math.max(4, 90 / Math.max(1, rows.length) - 4);
  rows.forEach((row, k) => {
    const top = 22 + k * (rowHeight + 4);
    parts.push(`<div class="device" style="top:${top}px">${esc(row.name)}</div>`);
    let bar = null;
    const flush = () => { if (bar) parts.push(`<div class="rec" data-id="${esc(bar.id)}" title="${esc(bar.title)}" style="top:${top}px;height:${rowHeight}px;left:${bar.left}px;width:${Math.max(2, bar.right - bar.left)}px"></div>`); };
    for (const p of row.items) {
      if (p.b < tlStart || p.a > end) continue;
      const left = (p.a - tlStart) / msPerPixel, right = (p.b - tlStart) / msPerPixel;
      if (bar && left - bar.right < 1) { bar.right = Math.max(bar.right, right); bar.title = `${bar.count += 1} recordings`; continue; }
      flush(); bar = { id: p.r.id, left, right, count: 1, title: `${p.r.id} ${p.r.device ?? ""} ${p.r.start} ${p.r.seconds.toFixed(1)} s` };
    }
    flush();
  });
  timeline.innerHTML = parts.join("");
  timeline.dataset.window = `${new Date(tlStart).toISOString()} ${tlSpan}`;
}
timeline.addEventListener("wheel", e => {
  e.preventDefault();
  const at = tlStart + e.offsetX / timeline.clientWidth * tlSpan;
  tlSpan = Math.min(Math.max(tlSpan * (e.deltaY > 0 ? 2 : 0.5), 1000), 5 * 365 * 86400000);
  tlStart = at - e.offsetX / timeline.clientWidth * tlSpan; drawTimeline();
}, { passive: false });
timeline.addEventListener("mousedown", e => { tlDrag = { x: e.clientX, start: tlStart, moved: false }; });
window.addEventListener("mousemove", e => {
  if (!tlDrag) return;
  if (Math.abs(e.clientX - tlDrag.x) > 3) tlDrag.moved = true;
  tlStart = tlDrag.start - (e.clientX - tlDrag.x) / timeline.clientWidth * tlSpan; drawTimeline();
});
window.addEventListener("mouseup", e => {
  const drag = tlDrag; tlDrag = null;
  if (!drag || drag.moved || !e.target.classList?.contains("rec")) return;
  const r = recordings.find(x => x.id === e.target.dataset.id), clicked = tlStart + (e.clientX - timeline.getBoundingClientRect().left) / timeline.clientWidth * tlSpan;
  open(r, Math.max(0, (clicked - Date.parse(r.start)) / 1000));
});
let drag = null;
view.addEventListener("mousedown", e => { drag = { x: e.offsetX, y: e.offsetY, start: viewStart, box: e.shiftKey }; });
view.addEventListener("mousemove", e => { if (drag && !drag.box) { viewStart = Math.max(0, drag.start - (e.offsetX - drag.x) * secondsPerPixel); render(); } });
view.addEventListener("mouseup", e => {
  if (drag && drag.box && current) {
    const nyquist = current.sample_rate / 2, a = viewStart + Math.min(drag.x, e.offsetX) * secondsPerPixel, b = viewStart + Math.max(drag.x, e.offsetX) * secondsPerPixel;
    const high = (1 - Math.min(drag.y, e.offsetY) / height()) * nyquist, low = (1 - Math.max(drag.y, e.offsetY) / height()) * nyquist;
    const label = prompt("label") ?? ""; drawn.push({ recording: current.id, start: a, end: b, low_hz: low, high_hz: high, label }); render();
  }
  drag = null;
});
view.addEventListener("wheel", e => { e.preventDefault(); zoom(e.deltaY > 0 ? 2 : 0.5, e.offsetX); }, { passive: false });
function ravenTable() {
  const lines = ["Selection\tView\tChannel\tBegin Time (s)\tEnd Time (s)\tLow Freq (Hz)\tHigh Freq (Hz)\tBegin File\tFile Offset (s)\tAnnotation"];
  drawn.forEach((r, k) => { const file = recordings.find(x => x.id === r.recording).source;
    lines.push([k + 1, "Spectrogram 1", 1, r.start.toFixed(9), r.end.toFixed(9), r.low_hz.toFixed(3), r.high_hz.toFixed(3), file, r.start.toFixed(9), r.label].join("\t")); });
  return lines.join("\n") + "\n";
}
document.getElementById("zoomIn").onclick = () => zoom(0.5);
document.getElementById("zoomOut").onclick = () => zoom(2);
document.getElementById("recording").onchange = e => open(recordings.find(r => r.id === e.target.value));
document.getElementById("play").onclick = () => { const a = document.getElementById("audio"); a.src = audioURL(); a.play(); };
document.getElementById("layer").onchange = async e => { layerRows = e.target.value ? await getJSON(`/api/layers/${encodeURIComponent(e.target.value)}`) : []; render(); };
document.getElementById("export").onclick = () => { const a = document.createElement("a"); a.href = URL.createObjectURL(new Blob([ravenTable()])); a.download = "boxes.selections.txt"; a.click(); };
document.getElementById("save").onclick = async () => {
  const name = document.getElementById("layerName").value; if (!name) return alert("name the layer");
  const r = await fetch(`/api/layers/${encodeURIComponent(name)}?replace=1`, { method: "POST", body: ravenTable() });
  alert(r.ok ? `saved ${(await r.json()).rows} boxes` : (await r.json()).error);
};
window.addEventListener("resize", () => { render(); drawTimeline(); });
(async () => {
  recordings = await getJSON("/api/recordings");
  const select = document.getElementById("recording");
  recordings.forEach(r => { const o = document.createElement("option"); o.value = r.id; o.textContent = `${r.id} ${r.device ?? ""} ${r.start ?? r.local_start ?? "(no start)"}`; select.appendChild(o); });
  const layers = await getJSON("/api/layers"), layerSelect = document.getElementById("layer");
  layers.forEach(n => { const o = document.createElement("option"); o.value = n; o.textContent = n; layerSelect.appendChild(o); });
  layoutTimeline(); drawTimeline(); if (recordings.length) open(recordings[0]);
  document.body.dataset.ready = "1";
})();
</script></body></html>
"""#
}
