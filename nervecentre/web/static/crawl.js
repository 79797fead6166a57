// Live progress on the crawl jobs page: while a job runs, the table is fetched again every
// few seconds and its rows replaced. Without JavaScript the page still shows the figures as
// of its loading (reload to update).
(function () {
  "use strict";
  const table = document.getElementById("crawl-jobs");
  if (!table || !table.dataset.refresh) return;
  const seconds = Number(table.dataset.refresh) * 1000;
  async function refresh() {
    try {
      const response = await fetch(window.location.pathname, { credentials: "same-origin" });
      if (!response.ok) return;
      const page = new DOMParser().parseFromString(await response.text(), "text/html");
      const fresh = page.getElementById("crawl-jobs");
      if (!fresh) return;
      table.tBodies[0].replaceWith(fresh.tBodies[0]);
      if (fresh.dataset.refresh) {
        window.setTimeout(refresh, seconds);
      } else {
        const note = document.getElementById("refresh-note");
        if (note) note.textContent = "The crawl has finished.";
      }
    } catch (_) {
      window.setTimeout(refresh, seconds * 2);
    }
  }
  window.setTimeout(refresh, seconds);
})();
