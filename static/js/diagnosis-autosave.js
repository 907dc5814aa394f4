/* DX自己診断: keep what was typed in this browser until the server has it, and restore it after an
   expired session or a failed request. The form posts itself to the autosave URL with htmx on "change";
   the server marks every autosave answer with the X-Diagnosis-Autosave header, so a login page that a
   redirect brought back (expired session) is recognised as "not saved". No external assets. */
(function () {
  "use strict";
  var form = document.getElementById("diagnosis-form");
  if (!form) return;
  var key = form.dataset.autosaveKey;
  var serverSaved = parseInt(form.dataset.serverSaved || "0", 10);
  var status = document.getElementById("autosave-status");
  var notice = document.getElementById("autosave-restore");

  function fields() {
    var out = [];
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.name === "csrfmiddlewaretoken" || el.type === "submit" || el.type === "button") return;
      if ((el.type === "radio" || el.type === "checkbox") && !el.checked) return;
      out.push([el.name, el.value]);
    });
    return out;
  }
  function read() {
    try { return JSON.parse(localStorage.getItem(key) || "null"); } catch (e) { return null; }
  }
  function store() {
    try { localStorage.setItem(key, JSON.stringify({ savedAt: Date.now(), fields: fields() })); } catch (e) { /* private mode: the server copy still applies */ }
  }
  function clear() {
    try { localStorage.removeItem(key); } catch (e) { /* ignore */ }
  }
  function apply(saved) {
    var byName = {};
    saved.fields.forEach(function (pair) { byName[pair[0]] = pair[1]; });
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || !(el.name in byName)) {
        if (el.type === "radio" && el.name && !(el.name in byName)) el.checked = false;
        return;
      }
      if (el.type === "radio" || el.type === "checkbox") el.checked = el.value === byName[el.name];
      else if (el.type !== "submit" && el.type !== "hidden") el.value = byName[el.name];
    });
    form.dispatchEvent(new Event("change", { bubbles: true }));  // autosave what was restored
  }

  // Offer what this browser kept if it is newer than the server's draft.
  var saved = read();
  if (saved && saved.savedAt > serverSaved + 1000 && notice) {
    notice.hidden = false;
    var when = notice.querySelector("[data-restore-time]");
    if (when) when.textContent = new Date(saved.savedAt).toLocaleString();
    notice.querySelector("[data-restore='apply']").addEventListener("click", function () {
      apply(saved); notice.hidden = true;
    });
    notice.querySelector("[data-restore='discard']").addEventListener("click", function () {
      clear(); notice.hidden = true;
    });
  } else if (saved) {
    clear();  // the server's draft is at least as new
  }

  form.addEventListener("input", store);
  form.addEventListener("change", store);

  // 「下書き保存」/「提出する」 while an autosave is on its way would send the version from before it (and
  // look like a second writer): the click waits for that answer. Once the page is being saved normally,
  // no autosave starts behind it.
  var submitting = false, inflight = false, queued = null;
  form.addEventListener("submit", function (evt) {
    if (inflight) {
      evt.preventDefault();
      queued = { submitter: evt.submitter || null };
      return;
    }
    submitting = true;
  });
  form.addEventListener("htmx:beforeRequest", function (evt) {
    if (submitting) { evt.preventDefault(); return; }
    inflight = true;
  });
  form.addEventListener("htmx:afterRequest", function () {
    inflight = false;
    if (queued) {
      var submitter = queued.submitter;
      queued = null;
      if (submitter) form.requestSubmit(submitter); else form.requestSubmit();
    }
  });

  form.addEventListener("htmx:beforeSwap", function (evt) {
    var xhr = evt.detail.xhr;
    var mark = xhr.getResponseHeader("X-Diagnosis-Autosave");
    if (mark === "saved") {
      // The draft's new version: the next autosave or 「下書き保存」 is checked against it.
      var version = xhr.getResponseHeader("X-Diagnosis-Version");
      if (version && form.elements.version) form.elements.version.value = version;
      clear();
      return;
    }
    evt.detail.shouldSwap = false;
    if (mark === "error") {  // 400 / 409: show the server's message; keep the local copy
      status.textContent = xhr.responseText;
      if (xhr.getResponseHeader("X-Diagnosis-Conflict") === "1") {
        // Saved elsewhere meanwhile: a normal save of this form shows both versions field by field.
        var compare = document.createElement("button");
        compare.type = "submit";
        compare.name = "action";
        compare.value = "save";
        compare.className = "btn secondary dx-small";
        compare.textContent = form.dataset.msgCompare;
        status.appendChild(document.createTextNode(" "));
        status.appendChild(compare);
      }
    } else {  // a login page (expired session) or anything else: not saved
      status.textContent = form.dataset.msgOffline;
    }
    status.classList.add("dx-autosave-error");
  });
  form.addEventListener("htmx:afterSwap", function () { status.classList.remove("dx-autosave-error"); });
  form.addEventListener("htmx:sendError", function () {
    status.textContent = form.dataset.msgOffline;
    status.classList.add("dx-autosave-error");
  });
})();
