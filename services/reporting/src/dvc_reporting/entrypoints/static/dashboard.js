// Cổng DVC — operators' dashboard. Vanilla JS, no build step: reads the JSON API (the login cookie is sent
// same-origin), re-reads it whenever /api/stream says the read model changed, and renders.
"use strict";

const NATIONAL = document.body.dataset.national === "true";
const SCOPE = document.body.dataset.scope || "";
const FILTER_KEYS = ["units", "province", "sector", "agency", "date_from", "date_to"];
// map classes, lightest to darkest, per figure (ColorBrewer sequential schemes: Reds, Blues, Purples)
const PALETTES = {
  overdue_share: ["#fee5d9", "#fcae91", "#fb6a4a", "#de2d26", "#a50f15"],
  online_share: ["#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c"],
  dossiers_per_1000: ["#f2f0f7", "#cbc9e2", "#9e9ac8", "#756bb1", "#54278f"],
};
const NO_FIGURE = "#d4d4d8";
let reference = null;
const nf = new Intl.NumberFormat("vi-VN");
const STATUS_NAMES = {
  submitted: "Đã nộp", received: "Đã tiếp nhận", processing: "Đang xử lý", supplement_requested: "Yêu cầu bổ sung",
  forwarded: "Chuyển xử lý", completed: "Hoàn thành", returned: "Trả lại", rejected: "Từ chối",
  withdrawn: "Rút hồ sơ", cancelled: "Đã hủy",
};
const KIND_NAMES = { submitted: "Nộp hồ sơ", status: "Cập nhật trạng thái", forwarded: "Chuyển cơ quan xử lý",
  payment: "Thanh toán", sms: "Tin nhắn SMS", feedback: "Phản ánh, kiến nghị" };
const CHANNEL_NAMES = { online: "Trực tuyến", counter: "Trực tiếp" };
const PURPOSE_NAMES = { dossier_fee: "Phí, lệ phí hồ sơ", fine: "Nộp phạt" };

const $ = (sel) => document.querySelector(sel);
const fmt = (n) => (n === null || n === undefined ? "—" : nf.format(n));
const pct = (x) => (x === null || x === undefined ? "—" : (x * 100).toLocaleString("vi-VN", { maximumFractionDigits: 1, minimumFractionDigits: 1 }) + " %");
const esc = (s) => String(s ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
const vnTime = (iso) => (iso ? new Date(iso).toLocaleString("vi-VN", { timeZone: "Asia/Ho_Chi_Minh" }) : "—");
const vnDate = (iso) => (iso ? iso.split("-").reverse().join("/") : "—");

let provinceRows = [];
let mapMetric = "overdue_share";
let sortKey = "dossiers_total";
let sortDir = -1;

// -- filters (kept in the address bar, so a view can be shared) ---------------------------------------------------
function currentFilters() {
  const p = new URLSearchParams(location.search);
  const f = {};
  for (const k of FILTER_KEYS) if (p.get(k)) f[k] = p.get(k);
  if (f.units !== "2024") delete f.units;
  if (SCOPE && !f.units) f.province = SCOPE;  // in the 63, a province operator may pick one of theirs
  return f;
}
function query(extra = {}) {
  const q = new URLSearchParams({ ...currentFilters(), ...extra });
  return q.toString() ? "?" + q.toString() : "";
}
function setFilters(f) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(f)) if (v) q.set(k, v);
  history.replaceState(null, "", q.toString() ? "?" + q : location.pathname);
  syncFilterInputs();
  refresh();
}
function provinceOptions(units) {
  if (!reference) return;
  const list = units === "2024" ? reference.former_provinces : reference.provinces;
  const all = NATIONAL ? "Toàn quốc" : (units === "2024" ? $("#scope").textContent : "");
  const none = NATIONAL || units === "2024" ? `<option value="">${esc(all)}</option>` : "";
  $("#f-province").innerHTML = none + list.map((u) => `<option value="${esc(u.code)}">${esc(u.name)}${
    u.now && u.now !== u.code ? ` (nay thuộc ${esc(u.now)})` : ""}</option>`).join("");
  $("#f-province").disabled = !NATIONAL && units !== "2024";
}
function syncFilterInputs() {
  const f = currentFilters();
  $("#f-units").value = f.units || "2025";
  provinceOptions(f.units || "2025");
  $("#f-province").value = f.province || "";
  $("#f-sector").value = f.sector || "";
  $("#f-agency").value = f.agency || "";
  $("#f-from").value = f.date_from || "";
  $("#f-to").value = f.date_to || "";
  for (const a of document.querySelectorAll("a[data-csv]")) {
    const extra = a.dataset.csv === "/api/overdue" ? { format: "csv", limit: "5000" } : { format: "csv" };
    a.href = a.dataset.csv + query(extra);
  }
}

function showNotice(message) {
  $("#notice").textContent = message || "";
  $("#notice").hidden = !message;
}
let loggingOut = false;  // set when the operator logs out: the page is leaving, whatever its requests meet
async function api(path, extra = {}) {
  const r = await fetch(path + query(extra), { credentials: "same-origin" });
  if (r.status === 401) {
    // a request that meets the session this page is itself ending (logout) is not an expired session
    if (!loggingOut) location.href = "/login?het-han=1";
    throw new Error("unauthenticated");
  }
  if (!r.ok) {
    const body = await r.json().catch(() => ({}));
    if (body.detail && body.detail.message) showNotice(body.detail.message);
    throw new Error(path + ": " + r.status);
  }
  return r.json();
}

// -- rendering ------------------------------------------------------------------------------------------------------
function setFigure(el, value) {
  const text = el.dataset.format === "pct" ? pct(value) : fmt(value);
  if (el.textContent !== text) {
    el.textContent = text;
    el.classList.remove("flash"); void el.offsetWidth; el.classList.add("flash");
  }
}
function renderFigures(fig) {
  for (const el of document.querySelectorAll("[data-figure]")) {
    if (el.dataset.figure in fig) setFigure(el, fig[el.dataset.figure]);
  }
  const total = Object.values(fig.dossiers_by_status).reduce((a, b) => a + b, 0);
  $("#statusbar").innerHTML = Object.entries(fig.dossiers_by_status).filter(([, n]) => n > 0).map(([s, n]) =>
    `<span class="st-${esc(s)}" style="width:${(100 * n / total).toFixed(2)}%" title="${esc(STATUS_NAMES[s] || s)}: ${fmt(n)}"></span>`).join("");
  for (const el of document.querySelectorAll("[data-status-count]")) setFigure(el, fig.dossiers_by_status[el.dataset.statusCount] || 0);
}

function renderProvinces() {
  const rows = [...provinceRows].sort((a, b) => {
    const x = a[sortKey] ?? -1, y = b[sortKey] ?? -1;
    return (x < y ? -1 : x > y ? 1 : 0) * sortDir || a.rank - b.rank;
  });
  const f = currentFilters(), selected = f.province, old = f.units === "2024";
  const all = old ? "Xếp hạng 63 tỉnh, thành phố (trước 01/07/2025)" : "Xếp hạng 34 tỉnh, thành phố";
  if (NATIONAL || old) {
    $("#province-heading").textContent = selected && rows.length === 1
      ? `Xếp hạng: ${rows[0].province_name} (bấm lại để bỏ lọc)` : all;
  }
  const extra = $("#extra-heading");
  extra.textContent = old ? "Nay thuộc" : "Hồ sơ/1.000 dân";
  extra.dataset.sort = old ? "now_name" : "dossiers_per_1000";
  extra.className = old ? "" : "num";
  $("#province-table tbody").innerHTML = rows.map((p) => `
    <tr data-province="${esc(p.province_code)}" class="${p.province_code === selected ? "selected" : ""}">
      <td>${p.rank}</td><td>${esc(p.province_name)}</td><td class="num">${fmt(p.dossiers_total)}</td>
      <td class="num">${pct(p.online_share)}</td><td class="num">${fmt(p.dossiers_open)}</td>
      <td class="num overdue">${fmt(p.dossiers_overdue)}</td><td class="num">${pct(p.on_time_rate)}</td>
      <td class="num">${fmt(p.payments_total_vnd)}</td>
      ${old ? `<td>${esc(p.now_name || "—")}</td>` : `<td class="num">${p.dossiers_per_1000 === null ? "—" : fmt(p.dossiers_per_1000)}</td>`}</tr>`).join("");
}

function mapValue(v, format) {
  if (v === null || v === undefined) return "—";
  return format === "pct" ? pct(v) : v.toLocaleString("vi-VN", { maximumFractionDigits: 1 });
}
function renderMap(m) {
  const W = 78, H = 46, G = 4, cols = 7, rows = 17;
  const colours = PALETTES[m.metric];
  const selected = currentFilters().units === "2024" ? null : m.selected;
  let svg = `<svg viewBox="0 0 ${cols * (W + G) + 48} ${rows * (H + G)}" xmlns="http://www.w3.org/2000/svg">`;
  for (const t of m.tiles) {
    const x = t.col * (W + G), y = t.row * (H + G);
    const fill = t.class === null ? NO_FIGURE : colours[t.class];
    const ink = t.class !== null && t.class >= 3 ? "#fff" : "#1d2433";
    svg += `<g class="tile${t.code === selected ? " selected" : ""}" data-province="${esc(t.code)}" tabindex="0" role="button"
      aria-label="${esc(t.name)}: ${esc(mapValue(t.value, m.format))}">
      <rect x="${x}" y="${y}" width="${W}" height="${H}" rx="5" fill="${fill}"/>
      <text x="${x + W / 2}" y="${y + 19}" fill="${ink}" class="name">${esc(t.label)}</text>
      <text x="${x + W / 2}" y="${y + 36}" fill="${ink}" class="value">${esc(mapValue(t.value, m.format))}</text>
      <title>${esc(t.name)}: ${esc(mapValue(t.value, m.format))} · ${fmt(t.dossiers_total)} hồ sơ</title></g>`;
  }
  for (const i of m.islands) {
    svg += `<text x="${i.col * (W + G) - 6}" y="${i.row * (H + G) + H / 2}" class="island">${esc(i.name)}</text>`;
  }
  $("#map").innerHTML = svg + "</svg>";
  const swatch = (c) => `<i style="background:${c}"></i>`;
  $("#map-legend").innerHTML = m.legend.map((s, i) => `<li data-class="${i}">${swatch(colours[i])}${
    esc(mapValue(s.from, m.format))} – ${esc(mapValue(s.to, m.format))}</li>`).join("")
    + `<li>${swatch(NO_FIGURE)}Chưa có số liệu</li>`;
  $("#map-basis").textContent = `${m.title}: ${m.basis}.`;
  document.body.dataset.mapMetric = m.metric;
}

function renderTrends(items) {
  const W = 640, H = 200, L = 40, B = 22, T = 8;
  const max = Math.max(1, ...items.map((d) => Math.max(d.received_online + d.received_counter, d.finished)));
  const n = items.length, bw = (W - L - 4) / Math.max(n, 1);
  const y = (v) => T + (H - T - B) * (1 - v / max);
  let svg = `<svg viewBox="0 0 ${W} ${H}" preserveAspectRatio="none">`;
  for (const t of [0, 0.5, 1]) svg += `<line x1="${L}" x2="${W}" y1="${y(max * t)}" y2="${y(max * t)}" stroke="#e5e7eb"/><text x="${L - 4}" y="${y(max * t) + 3}" text-anchor="end">${fmt(Math.round(max * t))}</text>`;
  items.forEach((d, i) => {
    const x = L + i * bw + 1, on = d.received_online, co = d.received_counter;
    svg += `<rect x="${x}" y="${y(on)}" width="${Math.max(bw - 2, 1)}" height="${y(0) - y(on)}" fill="#2563eb"><title>${vnDate(d.day)}: trực tuyến ${fmt(on)}</title></rect>`;
    svg += `<rect x="${x}" y="${y(on + co)}" width="${Math.max(bw - 2, 1)}" height="${y(on) - y(on + co)}" fill="#f59e0b"><title>${vnDate(d.day)}: trực tiếp ${fmt(co)}</title></rect>`;
    if (i % Math.ceil(n / 8) === 0) svg += `<text x="${x + bw / 2}" y="${H - 6}" text-anchor="middle">${vnDate(d.day).slice(0, 5)}</text>`;
  });
  const pts = items.map((d, i) => `${L + i * bw + bw / 2},${y(d.finished)}`).join(" ");
  svg += `<polyline points="${pts}" fill="none" stroke="#16a34a" stroke-width="2"/></svg>`;
  $("#trend-chart").innerHTML = svg;
}

function renderPayments(items) {
  $("#payments-table tbody").innerHTML = items.length ? items.map((p) => `<tr><td>${esc(p.provider || "—")}</td>
    <td>${esc(PURPOSE_NAMES[p.purpose] || p.purpose)}</td><td class="num">${fmt(p.count)}</td><td class="num">${fmt(p.amount_vnd)}</td></tr>`).join("")
    : `<tr><td colspan="4" class="hint">Chưa có giao dịch.</td></tr>`;
}

function renderOverdue(data) {
  $("#overdue-total").textContent = `(${fmt(data.total)})`;
  $("#overdue-table tbody").innerHTML = data.items.length ? data.items.map((d) => `
    <tr data-code="${esc(d.code)}"><td><a href="#" class="code">${esc(d.code)}</a></td><td>${esc(d.procedure_name || d.procedure_code)}</td>
    <td>${esc(d.province_name)}</td><td>${esc(d.agency_name || d.agency_code || "—")}</td><td>${vnDate(d.due_date)}</td>
    <td class="num overdue">${fmt(d.days_overdue)} ngày</td></tr>`).join("")
    : `<tr><td colspan="6" class="hint">Không có hồ sơ quá hạn.</td></tr>`;
}

function renderAccounts(a) {
  for (const el of document.querySelectorAll("[data-account]")) setFigure(el, a[el.dataset.account]);
  for (const el of document.querySelectorAll("[data-account-role]")) setFigure(el, a.accounts_by_role[el.dataset.accountRole] || 0);
  for (const el of document.querySelectorAll("[data-account-channel]")) setFigure(el, a.sign_ins_by_channel[el.dataset.accountChannel] || 0);
  $("#accounts-today").textContent = vnDate(a.today);
  $("#accounts-days tbody").innerHTML = a.days.slice(-7).reverse().map((d) => `<tr data-day="${esc(d.day)}"><td>${vnDate(d.day)}</td>
    <td class="num">${fmt(d.active_accounts)}</td><td class="num">${fmt(d.sign_ins_by_channel.portal)}</td>
    <td class="num">${fmt(d.sign_ins_by_channel.dashboard)}</td></tr>`).join("");
}

function renderSmallTable(sel, items, empty) {
  $(sel + " tbody").innerHTML = items.length
    ? items.slice(0, 10).map((r) => `<tr><td>${esc(r.name || r.key || "—")}</td><td class="num overdue">${fmt(r.overdue)}</td></tr>`).join("")
    : `<tr><td colspan="2" class="hint">${empty}</td></tr>`;
}

function renderPipeline(p) {
  $("#pipeline-at").textContent = vnTime(p.checked_at);
  $("#lag-method").textContent = p.lag.method === "admin" ? "offset đọc qua Kafka admin API"
    : p.lag.method === "committed" ? "offset đọc qua OffsetFetch của từng nhóm (broker không hỗ trợ admin API)"
    : (p.lag.error ? "chưa đo được: " + p.lag.error : "chưa đo");
  $("#lag-table tbody").innerHTML = p.lag.rows.length ? p.lag.rows.map((r) => `<tr><td>${esc(r.service)}</td><td>${esc(r.topic)}</td>
    <td class="num ${r.lag > 1000 ? "bad" : ""}">${fmt(r.lag)}</td></tr>`).join("") : `<tr><td colspan="3" class="hint">Chưa có số liệu.</td></tr>`;
  $("#outbox-table tbody").innerHTML = p.services.map((s) => `<tr><td>${esc(s.service)}</td>
    <td class="${s.up ? "ok" : "bad"}">${s.up ? "hoạt động" : "không phản hồi"}</td><td class="num">${fmt(s.outbox_backlog)}</td></tr>`).join("");
  $("#rejections-total").textContent = `(${fmt(p.rejections_total)})`;
  $("#rejections-table tbody").innerHTML = p.rejections.length ? p.rejections.map((r) => `<tr><td>${esc(r.agency_name || r.agency_code || "Không rõ")}</td>
    <td class="num">${fmt(r.rejected)}</td><td>${r.latest.map((l) => `<div><b>${esc(l.reason)}</b>: ${esc(l.message)}</div>`).join("")}</td></tr>`).join("")
    : `<tr><td colspan="3" class="hint">Không có báo cáo bị từ chối.</td></tr>`;
  $("#dead-total").textContent = `(${fmt(p.dead_letters_total)})`;
  $("#dead-table tbody").innerHTML = p.dead_letters.length ? p.dead_letters.map((d) => `<tr><td>${esc(d.original_topic)}</td>
    <td>${esc(d.rejected_by)}</td><td>${esc(d.reason)}</td><td class="num">${fmt(d.count)}</td></tr>`).join("")
    : `<tr><td colspan="4" class="hint">Không có bản ghi lỗi.</td></tr>`;
}

function smsDetail(detail) {
  const [what, a, b] = detail.split(":");
  if (what === "sent") return `đã gửi (mẫu ${esc(a)}, ${esc(b)} đoạn tin)`;
  if (what === "delivered") return "đã đến máy người nhận";
  if (what === "failed") return `gửi không thành công (${esc(a)})`;
  return esc(detail);
}

async function openDossier(code) {
  const d = await api("/api/dossiers/" + encodeURIComponent(code), {});
  $("#dossier-title").textContent = "Hồ sơ " + d.code;
  const facts = [
    ["Thủ tục", d.procedure_name || d.procedure_code], ["Tỉnh/Thành phố", d.province_name], ["Lĩnh vực", d.sector_name],
    ["Kênh nộp", CHANNEL_NAMES[d.channel] || d.channel], ["Trạng thái", STATUS_NAMES[d.status] || d.status],
    ["Cơ quan đang xử lý", d.agency_name || d.agency_code], ["Ngày nộp", vnDate(d.submitted_day)],
    ["Hẹn trả", vnDate(d.due_date)], ["Số lần chuyển cơ quan", fmt(d.forwarded_times)],
  ];
  $("#dossier-facts").innerHTML = facts.map(([k, v]) => `<dt>${k}</dt><dd>${esc(v ?? "—")}</dd>`).join("");
  $("#dossier-history").innerHTML = d.history.map((h) => {
    let what = KIND_NAMES[h.kind] || h.kind;
    if (h.kind === "status") what += `: ${STATUS_NAMES[h.status] || h.status}`;
    if (h.kind === "forwarded") what += `: ${esc(h.from_agency_code || "")} → ${esc(h.agency_name || h.agency_code || "")}`;
    if (h.kind === "payment") what += `: ${fmt(h.amount_vnd)} đ qua ${esc(h.detail || "")}`;
    if (h.kind === "sms") what += ": " + smsDetail(h.detail || "");
    if (h.kind === "feedback") what += (h.detail || "").startsWith("answered") ? ": đã trả lời" : ": tiếp nhận";
    const who = h.kind === "status" && h.agency_name ? ` — ${esc(h.agency_name)}` : "";
    const seq = h.sequence !== null ? ` <small>#${h.sequence}</small>` : "";
    const late = h.late ? ` <small class="bad">đến muộn, không làm thay đổi trạng thái hiện tại</small>` : "";
    const note = h.note ? `<div class="small">${esc(h.note)}</div>` : "";
    return `<li class="${h.late ? "late" : ""}"><time>${vnTime(h.occurred_at)}</time>${what}${who}${seq}${late}${note}</li>`;
  }).join("");
  $("#dossier-dialog").showModal();
}

// -- loading ------------------------------------------------------------------------------------------------------
let loading = null;
let again = false;
async function refresh() {
  if (loading) { again = true; return loading; }
  loading = (async () => {
    try {
      const [fig, prov, trends, overdue, byAgency, byProc, pays, map, accounts] = await Promise.all([
        api("/api/figures"), api("/api/provinces"), api("/api/trends"), api("/api/overdue", { limit: "50" }),
        api("/api/overdue/by/agency"), api("/api/overdue/by/procedure"), api("/api/payments"),
        api("/api/map", { metric: mapMetric }), api("/api/accounts", {}),
      ]);
      renderFigures(fig);
      provinceRows = prov.items;
      renderProvinces();
      renderTrends(trends.items);
      renderOverdue(overdue);
      renderSmallTable("#overdue-agency-table", byAgency.items, "Không có.");
      renderSmallTable("#overdue-procedure-table", byProc.items, "Không có.");
      renderPayments(pays.items);
      renderMap(map);
      renderAccounts(accounts);
      if (NATIONAL) renderPipeline(await api("/api/pipeline", {}));
      $("#updated-at").textContent = new Date().toLocaleTimeString("vi-VN", { timeZone: "Asia/Ho_Chi_Minh" });
      document.body.dataset.loaded = String(Number(document.body.dataset.loaded || 0) + 1);
    } catch (e) {
      console.error(e);
    }
  })();
  await loading;
  loading = null;
  if (again) { again = false; await refresh(); }
}

async function loadReference() {
  const ref = await api("/api/reference", {});
  reference = ref;
  const f = currentFilters();
  $("#f-sector").innerHTML = `<option value="">Tất cả</option>` + ref.sectors.map((s) => `<option value="${esc(s.code)}">${esc(s.name)}</option>`).join("");
  $("#f-agency").innerHTML = `<option value="">Tất cả</option>` + ref.agencies.map((a) => `<option value="${esc(a.code)}">${esc(a.name)}</option>`).join("");
  $("#f-sector").value = f.sector || "";
  $("#f-agency").value = f.agency || "";
}

function connectLive() {
  const live = $("#live"), text = $("#live-text");
  const es = new EventSource("/api/stream");
  let timer = null;
  es.addEventListener("hello", () => { live.dataset.state = "open"; text.textContent = "Trực tiếp"; });
  es.addEventListener("update", () => {
    live.dataset.state = "open"; text.textContent = "Trực tiếp";
    clearTimeout(timer);
    timer = setTimeout(refresh, 150);
  });
  es.onerror = () => { live.dataset.state = "closed"; text.textContent = "Mất kết nối, đang thử lại"; };
}

// -- wiring ---------------------------------------------------------------------------------------------------------
$("#filters").addEventListener("submit", (ev) => {
  ev.preventDefault();
  showNotice("");
  setFilters({
    units: $("#f-units").value === "2024" ? "2024" : "", province: $("#f-province").value,
    sector: $("#f-sector").value, agency: $("#f-agency").value, date_from: $("#f-from").value, date_to: $("#f-to").value,
  });
});
$("#f-units").addEventListener("change", () => provinceOptions($("#f-units").value));  // the codes differ
$("#map-metric").addEventListener("change", () => { mapMetric = $("#map-metric").value; refresh(); });
function pickTile(ev) {
  const g = ev.target.closest("g[data-province]");
  if (!g || !NATIONAL) return;
  const f = currentFilters();
  const again = !f.units && f.province === g.dataset.province;
  showNotice("");
  setFilters({ ...f, units: "", province: again ? "" : g.dataset.province });  // the map shows today's units
}
$("#map").addEventListener("click", pickTile);
$("#map").addEventListener("keydown", (ev) => { if (ev.key === "Enter") pickTile(ev); });
$("#f-reset").addEventListener("click", () => setFilters({}));
$("#province-table thead").addEventListener("click", (ev) => {
  const key = ev.target.closest("th")?.dataset.sort;
  if (!key) return;
  sortDir = key === sortKey ? -sortDir : (["province_name", "rank", "now_name"].includes(key) ? 1 : -1);
  sortKey = key;
  renderProvinces();
});
$("#province-table tbody").addEventListener("click", (ev) => {
  const tr = ev.target.closest("tr[data-province]");
  if (!tr || !tr.dataset.province || (!NATIONAL && currentFilters().units !== "2024")) return;
  const f = currentFilters();
  setFilters({ ...f, province: f.province === tr.dataset.province ? "" : tr.dataset.province });
});
$("#overdue-table tbody").addEventListener("click", (ev) => {
  const tr = ev.target.closest("tr[data-code]");
  if (!tr) return;
  ev.preventDefault();
  openDossier(tr.dataset.code);
});
// logout is a form POST to /auth/logout: the session ends here and, when it came from the OpenID Provider, there
$("#logout-form").addEventListener("submit", () => {
  loggingOut = true;
  sessionStorage.removeItem("dvc_operator");
});

if (document.body.dataset.badProvince) {  // the server said why (see #notice): drop it from the address bar
  const p = new URLSearchParams(location.search);
  p.delete("province");
  history.replaceState(null, "", p.toString() ? "?" + p : location.pathname);
}
syncFilterInputs();
loadReference().then(() => { syncFilterInputs(); refresh(); });
connectLive();
setInterval(refresh, 60000); // a safety net when the stream is down or served by another instance
