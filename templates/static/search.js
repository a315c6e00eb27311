// Search on the services index: the Pagefind index built by `make site`, queried in the browser, the
// results listed on the same page. Without JavaScript the page lists every service by category.
(function () {
  "use strict";
  var box = document.querySelector("[data-search]");
  if (!box || !window.WebAssembly || !window.fetch) { return; }
  var form = box.querySelector("form");
  var input = box.querySelector("input[name=q]");
  var status = box.querySelector("[data-search-status]");
  var list = box.querySelector("[data-search-results]");
  var loading = null;
  var latest = 0;
  box.hidden = false;

  function pagefind() {
    loading = loading || import(box.getAttribute("data-pagefind"));
    return loading;
  }

  function found(count) {
    var rest = count % 100;
    var key = count === 1 ? "data-one" : (rest === 0 || rest >= 20 ? "data-many" : "data-few");
    return count ? box.getAttribute(key).replace("{n}", count) : box.getAttribute("data-none");
  }

  function show(results) {
    list.textContent = "";
    results.forEach(function (result) {
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = result.url;
      link.className = "govuk-link";
      link.textContent = result.meta.title;
      var excerpt = document.createElement("p");
      excerpt.className = "govuk-body-s";
      excerpt.innerHTML = result.excerpt; // Pagefind escapes the page text and adds only <mark>
      item.appendChild(link);
      item.appendChild(excerpt);
      list.appendChild(item);
    });
  }

  function search(term) {
    var run = ++latest;
    term = term.trim();
    if (!term) { list.textContent = ""; status.textContent = ""; return; }
    pagefind()
      .then(function (engine) { return engine.search(term); })
      .then(function (answer) {
        return Promise.all(answer.results.slice(0, 20).map(function (r) { return r.data(); }));
      })
      .then(function (results) {
        if (run !== latest) { return; }
        show(results);
        status.textContent = found(results.length);
      })
      .catch(function () { status.textContent = box.getAttribute("data-none"); });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    search(input.value);
    history.replaceState(null, "", "?q=" + encodeURIComponent(input.value.trim()));
  });
  var query = new URLSearchParams(window.location.search).get("q");
  if (query) { input.value = query; search(query); }
})();
