// The page works without this script; it adds two conveniences:
// - changing the sort order searches again;
// - dragging across bars of the date histogram filters on that range of dates
//   (a click on one bar is a plain link to its own dates).
document.addEventListener("DOMContentLoaded", function () {
  var sort = document.getElementById("sort");
  if (sort && sort.form) {
    sort.addEventListener("change", function () {
      if (document.getElementById("q").value.trim()) sort.form.submit();
    });
  }

  var bars = Array.prototype.slice.call(document.querySelectorAll("#histogram a.bar"));
  var start = null, dragged = false;

  function mark(a, b) {
    var lo = Math.min(a, b), hi = Math.max(a, b);
    bars.forEach(function (bar, i) { bar.classList.toggle("range", i >= lo && i <= hi); });
  }

  bars.forEach(function (bar, i) {
    bar.addEventListener("mousedown", function (e) {
      if (e.button !== 0) return;
      start = i; dragged = false;
      e.preventDefault();  // no native drag of the link
    });
    bar.addEventListener("mouseenter", function () {
      if (start === null) return;
      dragged = dragged || i !== start;
      mark(start, i);
    });
    bar.addEventListener("mouseup", function () {
      if (start === null || i === start) { start = null; return; }
      var lo = bars[Math.min(start, i)].dataset.label, hi = bars[Math.max(start, i)].dataset.label;
      var url = new URL(window.location.href);
      url.searchParams.set("since", lo);
      url.searchParams.set("until", hi);
      url.searchParams.delete("page");
      start = null;
      window.location.href = url.toString();
    });
    bar.addEventListener("click", function (e) { if (dragged) e.preventDefault(); });
  });
  document.addEventListener("mouseup", function () {
    if (start !== null) { start = null; mark(-1, -1); }
  });
});
