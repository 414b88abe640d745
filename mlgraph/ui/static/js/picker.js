// Entity pickers: an <input list="..."> whose suggestions come from the search API as
// the user types. The page itself lists only a few recent entities, so it renders
// as fast in a catalog of a million models as in one of ten.
(function () {
  "use strict";

  var WAIT_MS = 200;
  var LIMIT = 20;

  function fill(list, results) {
    var options = results.map(function (r) {
      var option = document.createElement("option");
      option.value = r.urn;
      option.textContent = r.display_name;  // text, never HTML
      return option;
    });
    list.replaceChildren.apply(list, options);
  }

  document.querySelectorAll("input[data-search-type]").forEach(function (input) {
    var list = document.getElementById(input.getAttribute("list"));
    var initial = Array.prototype.slice.call(list.children);
    var timer = null;
    var asked = 0;

    input.addEventListener("input", function () {
      clearTimeout(timer);
      var text = input.value.trim();
      if (text.length < 2 || text.indexOf("urn:") === 0) {
        if (text === "") list.replaceChildren.apply(list, initial);
        return;
      }
      timer = setTimeout(function () {
        var ticket = ++asked;
        var params = new URLSearchParams({
          q: text, type: input.getAttribute("data-search-type"),
          limit: String(LIMIT), facets: "false",
        });
        fetch("/api/v1/search?" + params.toString())
          .then(function (r) { return r.ok ? r.json() : { results: [] }; })
          .then(function (body) {
            if (ticket === asked) fill(list, body.results);  // an older answer loses
          })
          .catch(function () { /* keep the current suggestions */ });
      }, WAIT_MS);
    });
  });
})();
