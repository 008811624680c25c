// The only script: changing the sort order searches again (the form works without it).
document.addEventListener("DOMContentLoaded", function () {
  var sort = document.getElementById("sort");
  if (sort && sort.form) {
    sort.addEventListener("change", function () {
      if (document.getElementById("q").value.trim()) sort.form.submit();
    });
  }
});
