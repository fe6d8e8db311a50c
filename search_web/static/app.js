// Small progressive enhancements; every feature also works without JavaScript.
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  // The sort menu applies itself, so its fallback button is only needed without JS.
  document.querySelectorAll("select.autosubmit").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });
  // Filters start open on wide screens; on phones they stay folded above the results.
  var filters = document.getElementById("filters");
  if (filters && window.matchMedia("(min-width: 860px)").matches) {
    filters.open = true;
  }
})();
