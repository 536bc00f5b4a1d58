/* Upline widget, the tracker: remembers the referral a visit came with (?ref= or ?via=) in a
   first-party cookie and localStorage for the program's attribution window, sends the click
   beacon, and offers the page `upline.referral`, `upline('ready', fn)` and `upline('lead', {...})`.
   Only `upline` is global; nothing here throws into the host page; no innerHTML, eval or inline
   handlers; no cookie of Upline's own domain. Source of dist/widget.js (app/build.sh). */
(function (w, d) {
  "use strict";
  var script = d.currentScript;
  if (!script || (w.upline && w.upline.v)) return;
  var data = script.dataset;
  var program = data.program;
  var api = data.api || new URL(script.src).origin;
  var names = (data.params || "ref,via").split(",");
  var KEY = "upline_ref";
  var DAY = 864e5;
  var earlier = (w.upline && w.upline.q) || [];
  var waiting = [];
  var ready = false;
  var settings = null;

  function quiet(fn) {
    try { return fn(); } catch (e) { return null; }
  }
  function post(path, body, keepalive) {
    return fetch(api + path, {
      method: "POST", mode: "cors", credentials: "omit", keepalive: !!keepalive,
      headers: { "content-type": "application/json" }, body: JSON.stringify(body)
    }).then(function (r) {
      return r.json().then(function (j) { return r.ok ? j : Promise.reject(j); }, function () {
        return Promise.reject({ error: { code: "http_" + r.status } });
      });
    });
  }
  // The program's window, model and consent text; the defaults while the API is away.
  function loadSettings() {
    settings = settings || fetch(api + "/v1/public/programs/" + encodeURIComponent(program), { credentials: "omit" })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(); })
      .catch(function () { settings = null; return {}; });
    return settings;
  }
  function read() {
    var raw = quiet(function () { return w.localStorage.getItem(KEY); });
    if (!raw) {
      var m = d.cookie.match(/(?:^|; )upline_ref=([^;]*)/);
      raw = m && decodeURIComponent(m[1]);
    }
    var v = raw && quiet(function () { return JSON.parse(raw); });
    return v && v.p === program && v.e > Date.now() ? v : null;
  }
  function save(v) {
    var s = JSON.stringify(v);
    quiet(function () { w.localStorage.setItem(KEY, s); });
    d.cookie = KEY + "=" + encodeURIComponent(s) + "; path=/; max-age=" + Math.round((v.e - Date.now()) / 1e3) +
      "; SameSite=Lax" + (data.cookieDomain ? "; domain=" + data.cookieDomain : "") +
      (location.protocol === "https:" ? "; Secure" : "");
  }
  function beacon(v) {
    return post("/v1/public/clicks", { program: program, referral_code: v.c, url: location.href.slice(0, 2000), referrer: d.referrer.slice(0, 2000) }, true)
      .then(function (a) { v.k = a.click_id || null; v.r = 0; save(v); }, function () { /* retried on a later page */ });
  }
  function done() {
    ready = true;
    waiting.splice(0).forEach(function (fn) { quiet(function () { fn(upline.referral); }); });
  }

  function upline(command, arg) {
    if (command === "ready") {
      if (ready) quiet(function () { arg(upline.referral); }); else waiting.push(arg);
    } else if (command === "lead") {
      var r = read() || {};
      var body = { program: program, name: arg.name, email: arg.email || undefined, phone: arg.phone || undefined, consent: !!arg.consent, website: arg.website || undefined };
      if (r.k) body.click_id = r.k; else body.referral_code = r.c || arg.referral_code;
      return post("/v1/public/leads", body);
    }
  }
  upline.v = 1;
  upline.api = api;
  upline.program = program;
  upline.settings = loadSettings;
  Object.defineProperty(upline, "referral", {
    get: function () { var v = read(); return v ? { code: v.c, click_id: v.k || null } : null; }
  });
  w.upline = upline;

  var query = new URLSearchParams(location.search);
  var code = null;
  names.forEach(function (n) { code = code || query.get(n.trim()); });
  var known = read();
  if (code && /^[2-9A-HJ-NP-Z]{8}$/.test(code)) {
    loadSettings().then(function (p) {
      var days = p.attribution_window_days || 60;
      // First click wins: an earlier referral still inside its window stays.
      var keep = p.attribution_model === "first" && known && known.c !== code;
      var v = keep ? known : { p: program, c: code, k: query.get("upline_click"), e: Date.now() + days * DAY, r: 1 };
      save(v);
      return v.k || keep ? null : beacon(v);
    }).then(done, done);
  } else {
    if (known && known.r) beacon(known);
    done();
  }
  earlier.forEach(function (args) { upline.apply(null, args); });
})(window, document);
