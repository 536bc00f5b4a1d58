// A page's chunk that cannot be fetched (offline, a lost deploy) stops the wasm module, as
// any panic does: say so and offer a reload instead of leaving a dead page.
// The release build aborts on a panic with a bare "unreachable"; in a debug build the panic's
// message reaches the console first (console_error_panic_hook): keep the last one to name
// the cause. (A part of a page that loads on its own, such as the charts, says so in place.)
let lastConsoleError = "";
const consoleError = console.error;
console.error = (...parts) => {
  lastConsoleError = parts.join(" ").split("\n\nStack:")[0];
  consoleError(...parts);
};
addEventListener("unhandledrejection", stopped);
// Anything the Content-Security-Policy refuses is written on <html> for whoever investigates
// (and the browser tests, which fail on it): the portal is built to need no exception.
addEventListener("securitypolicyviolation", (event) => {
  const seen = document.documentElement.dataset.cspViolations;
  const violation = `${event.violatedDirective} ${event.blockedURI || "inline"}`;
  document.documentElement.dataset.cspViolations = seen ? `${seen}; ${violation}` : violation;
});
addEventListener("error", stopped);
function stopped(event) {
  if (document.getElementById("stopped")) return;
  const cause = event.reason || event.error || event.message;
  const texts = {
    en: ["This page could not be loaded.", "Reload"],
    pl: ["Nie udało się wczytać tej strony.", "Wczytaj ponownie"],
    ru: ["Не удалось загрузить страницу.", "Обновить"],
    uk: ["Не вдалося завантажити сторінку.", "Оновити"],
  };
  const [message, action] = texts[localStorage.getItem("upline.language")] || texts.en;
  const banner = document.createElement("div");
  banner.id = "stopped";
  banner.className = "stopped";
  banner.setAttribute("role", "alert");
  banner.dataset.testid = "stopped";
  // For whoever investigates (and the browser tests' failure messages).
  banner.dataset.cause = [String(cause && cause.message || cause), lastConsoleError]
    .filter(Boolean).join(": ");
  banner.textContent = message + " ";
  const reload = document.createElement("button");
  reload.type = "button";
  reload.textContent = action;
  reload.dataset.testid = "reload";
  reload.onclick = () => location.reload();
  banner.append(reload);
  document.body.prepend(banner);
  reload.focus();
}

