// On a phone the filters start folded above the results (the page works without this script:
// they are then simply open).
document.addEventListener("DOMContentLoaded", function () {
  var filters = document.getElementById("filters");
  if (filters && window.matchMedia("(max-width: 800px)").matches) {
    filters.open = false;
  }
});
