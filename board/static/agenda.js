// The agenda builder's progressive enhancement: the page's forms work without this script;
// with it, every form and every drag is sent with fetch and the returned fragment replaces
// the builder, so capacity and quorum update at once and a lost race shows the fresh state.
(function () {
  "use strict";
  const csrfToken = document.querySelector('meta[name="csrf-token"]').content;
  const announcer = document.getElementById("agenda-announcer");

  function builder() {
    return document.getElementById("builder");
  }

  function focusKey(element) {
    const form = element && element.closest("form");
    if (!form) return null;
    const item = form.querySelector('[name="item_id"], [name="case_id"]');
    const button = form.querySelector("button");
    return [form.getAttribute("action"), item ? item.value : "", button ? button.textContent : ""].join("|");
  }

  function restoreFocus(key) {
    const heading = document.getElementById("agenda-heading");
    if (!key) return;
    for (const form of builder().querySelectorAll("form")) {
      const button = form.querySelector("button");
      if (focusKey(button) === key) {
        button.focus();
        return;
      }
    }
    if (heading) {
      heading.setAttribute("tabindex", "-1");
      heading.focus();
    }
  }

  async function send(url, data, focus) {
    data.set("csrf_token", csrfToken);
    data.set("version", builder().dataset.version);
    builder().setAttribute("aria-busy", "true");
    let response;
    try {
      response = await fetch(url, {
        method: "POST",
        body: data,
        headers: { "X-CSRFToken": csrfToken, "X-Requested-With": "fetch" },
        credentials: "same-origin",
      });
    } catch (error) {
      builder().removeAttribute("aria-busy");
      announce("The server could not be reached; nothing was saved. Reload the page.");
      return;
    }
    if (!(response.headers.get("Content-Type") || "").includes("text/html") || response.status >= 500) {
      window.location.reload();
      return;
    }
    const html = await response.text();
    builder().outerHTML = html;
    enhance();
    const message = document.getElementById("builder-message");
    if (message) announce(message.textContent);
    restoreFocus(focus);
  }

  function announce(text) {
    if (announcer) announcer.textContent = text;
  }

  function enhance() {
    const root = builder();
    if (!root || root.dataset.editable !== "yes") return;
    for (const form of root.querySelectorAll("form.agenda-action")) {
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        send(form.getAttribute("action"), new FormData(form), focusKey(event.submitter || form.querySelector("button")));
      });
    }
    if (typeof Sortable === "undefined") return;
    const agenda = document.getElementById("agenda-list");
    const queue = document.getElementById("queue-list");
    // The fallback drags with mouse and touch events, so tablets and test drivers work alike.
    const options = { group: "agenda", animation: 120, forceFallback: true, fallbackTolerance: 3, handle: ".agenda-item", draggable: ".agenda-item",
      filter: "input, button, select, a", preventOnFilter: false };
    Sortable.create(agenda, Object.assign({}, options, {
      onEnd: function (event) {
        if (event.to === agenda) {
          if (event.oldIndex === event.newIndex) return;
          const order = Array.from(agenda.querySelectorAll("[data-item-id]")).map((li) => li.dataset.itemId);
          const data = new FormData();
          data.set("order", order.join(","));
          send(root.dataset.reorderUrl, data, null);
        } else {
          const data = new FormData();
          data.set("item_id", event.item.dataset.itemId);
          send(root.dataset.removeUrl, data, null);
        }
      },
    }));
    if (queue) {
      Sortable.create(queue, Object.assign({}, options, {
        sort: false,
        onEnd: function (event) {
          if (event.to !== agenda) return;
          const data = new FormData();
          data.set("case_id", event.item.dataset.caseId);
          data.set("position", String(event.newIndex + 1));
          send(root.dataset.placeUrl, data, null);
        },
      }));
    }
  }

  enhance();
})();
