/* Upline widget, the lead form (<div data-upline-form>) and the panel
   (<div data-upline-panel data-token="…">). The form lives in the element's open shadow root,
   styled there by a constructed stylesheet (no inline style, so a strict CSP holds); its
   messages follow the page's <html lang> (en, pl, ru, uk). */
(function (w, d) {
  "use strict";
  var upline = w.upline;
  if (!upline || upline.f) return;
  upline.f = 1;
  var T = {
    en: ["Name", "Email", "Phone", "I agree to be contacted about this offer.", "Send", "Sending…", "Thank you! We will be in touch.", "Your code:", "Enter your name.", "Enter an email or a phone.", "This email does not look right.", "Use digits only, 6 to 15, with an optional +.", "Please agree to be contacted.", "Could not send. Please try again later."],
    pl: ["Imię i nazwisko", "E-mail", "Telefon", "Zgadzam się na kontakt w sprawie tej oferty.", "Wyślij", "Wysyłanie…", "Dziękujemy! Odezwiemy się.", "Twój kod:", "Podaj imię i nazwisko.", "Podaj e-mail lub telefon.", "Ten e-mail wygląda na błędny.", "Tylko cyfry, od 6 do 15, opcjonalnie z +.", "Zgoda na kontakt jest wymagana.", "Nie udało się wysłać. Spróbuj później."],
    ru: ["Имя", "Эл. почта", "Телефон", "Я согласен(на), чтобы со мной связались по этому предложению.", "Отправить", "Отправка…", "Спасибо! Мы свяжемся с вами.", "Ваш код:", "Введите имя.", "Укажите эл. почту или телефон.", "Адрес почты выглядит неверно.", "Только цифры, от 6 до 15, можно с +.", "Нужно согласие на связь.", "Не удалось отправить. Попробуйте позже."],
    uk: ["Ім'я", "Ел. пошта", "Телефон", "Я погоджуюся, щоб зі мною зв'язалися щодо цієї пропозиції.", "Надіслати", "Надсилання…", "Дякуємо! Ми зв'яжемося з вами.", "Ваш код:", "Введіть ім'я.", "Вкажіть ел. пошту або телефон.", "Адреса пошти виглядає неправильно.", "Лише цифри, від 6 до 15, можна з +.", "Потрібна згода на зв'язок.", "Не вдалося надіслати. Спробуйте пізніше."]
  };
  var t = T[(d.documentElement.lang || "en").slice(0, 2).toLowerCase()] || T.en;
  var CSS = ":host{display:block;font:inherit;color:inherit}form{display:grid;gap:.75em;max-width:28em}" +
    "label{display:grid;gap:.25em}input{font:inherit;padding:.5em;border:1px solid #999;border-radius:4px;min-width:0}" +
    "[aria-invalid=true]{border-color:#b00020}.check{display:flex;gap:.5em;align-items:flex-start}" +
    ".err{color:#b00020;font-size:.875em}.err:empty{display:none}.hp{position:absolute;left:-9999px;width:1px;height:1px;overflow:hidden}" +
    "button{font:inherit;padding:.6em 1.2em;border:0;border-radius:4px;background:#1f4fd1;color:#fff;cursor:pointer}button:disabled{opacity:.6}";
  var n = 0;

  function el(tag, attrs, text) {
    var e = d.createElement(tag);
    for (var k in attrs) e.setAttribute(k, attrs[k]);
    if (text) e.textContent = text;
    return e;
  }
  function form(host) {
    if (host.shadowRoot) return;
    var root = host.attachShadow({ mode: "open" });
    var sheet = new CSSStyleSheet();
    sheet.replaceSync(CSS);
    root.adoptedStyleSheets = [sheet];
    var id = "u" + ++n;
    var f = el("form", { novalidate: "" });
    var inputs = {};
    var errors = {};
    function field(name, type, label, auto) {
      var box = el("label", type === "checkbox" ? { "class": "check" } : {});
      var input = el("input", { name: name, type: type, autocomplete: auto, "aria-describedby": id + name });
      var caption = el("span", {}, label);
      if (type === "checkbox") { box.append(input, caption); } else { box.append(caption, input); }
      errors[name] = el("span", { id: id + name, "class": "err", "aria-live": "polite" });
      inputs[name] = input;
      f.append(box, errors[name]);
    }
    field("name", "text", t[0], "name");
    field("email", "email", t[1], "email");
    field("phone", "tel", t[2], "tel");
    field("consent", "checkbox", t[3], "off");
    upline.settings().then(function (p) {
      if (p.lead_consent_text) inputs.consent.nextSibling.textContent = p.lead_consent_text;
    });
    // People never see or fill this one.
    var trap = el("input", { name: "website", tabindex: "-1", autocomplete: "off" });
    var hp = el("label", { "class": "hp", "aria-hidden": "true" }, "Website");
    hp.append(trap);
    var button = el("button", { type: "submit" }, t[4]);
    var failed = el("p", { "class": "err", role: "alert" });
    f.append(hp, button, failed);
    root.append(f);

    function mark(name, message) {
      inputs[name].setAttribute("aria-invalid", message ? "true" : "false");
      errors[name].textContent = message || "";
    }
    f.addEventListener("submit", function (event) {
      event.preventDefault();
      var v = {
        name: inputs.name.value.trim(), email: inputs.email.value.trim(),
        phone: inputs.phone.value.replace(/[\s()-]/g, ""), consent: inputs.consent.checked, website: trap.value
      };
      var bad = {
        name: v.name ? "" : t[8],
        email: !v.email && !v.phone ? t[9] : v.email && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v.email) ? t[10] : "",
        phone: v.phone && !/^\+?[0-9]{6,15}$/.test(v.phone) ? t[11] : "",
        consent: v.consent ? "" : t[12]
      };
      var first = null;
      for (var k in bad) { mark(k, bad[k]); if (bad[k] && !first) first = inputs[k]; }
      failed.textContent = "";
      if (first) { first.focus(); return; }
      button.disabled = true;
      button.textContent = t[5];
      upline("lead", v).then(function (answer) {
        var ok = el("p", { "data-upline-success": "", role: "status" }, t[6]);
        if (answer.reward) ok.append(" " + t[7] + " ", el("strong", {}, answer.reward.code));
        f.replaceWith(ok);
        host.dispatchEvent(new CustomEvent("upline:lead", { bubbles: true, detail: answer }));
      }, function (error) {
        button.disabled = false;
        button.textContent = t[4];
        var field = error && error.error && error.error.field;
        if (inputs[field]) { mark(field, error.error.message); inputs[field].focus(); } else failed.textContent = t[13];
      });
    });
  }

  function panel(host) {
    if (host.querySelector("iframe")) return;
    var frame = el("iframe", {
      src: upline.api + "/embed?token=" + encodeURIComponent(host.dataset.token || "") +
        ("hideEarnings" in host.dataset ? "#hide-earnings" : ""),
      title: "Referral panel", loading: "lazy"
    });
    frame.style.cssText = "border:0;width:100%;height:420px;display:block";
    host.append(frame);
    w.addEventListener("message", function (event) {
      // Only the panel's own frame, from Upline's origin, may say anything.
      if (event.origin !== upline.api || event.source !== frame.contentWindow || !event.data) return;
      if (event.data.upline === "height") frame.style.height = Math.ceil(event.data.height) + "px";
      if (event.data.upline === "expired") host.dispatchEvent(new CustomEvent("upline:expired", { bubbles: true }));
    });
  }

  function scan() {
    d.querySelectorAll("[data-upline-form]").forEach(form);
    d.querySelectorAll("[data-upline-panel]").forEach(panel);
  }
  if (d.readyState === "loading") d.addEventListener("DOMContentLoaded", scan); else scan();
})(window, document);
