// Inlined into report.html.j2 and allowed there by its hash (Content-Security-Policy).
// Opens or closes every details element: the buttons, the #expand URL hash, printing.
(function () {
  "use strict";
  function setAll(open) {
    var list = document.querySelectorAll("details");
    for (var i = 0; i < list.length; i++) {
      list[i].open = open;
    }
  }
  function fromHash() {
    if (window.location.hash === "#expand") {
      setAll(true);
    }
  }
  function init() {
    var expand = document.getElementById("expand-all");
    var collapse = document.getElementById("collapse-all");
    if (expand && collapse) {
      expand.hidden = false;
      collapse.hidden = false;
      expand.addEventListener("click", function () { setAll(true); });
      collapse.addEventListener("click", function () { setAll(false); });
    }
    fromHash();
  }
  window.addEventListener("hashchange", fromHash);
  window.addEventListener("beforeprint", function () { setAll(true); });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
