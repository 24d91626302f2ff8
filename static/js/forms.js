/* Small helps on the record forms (the forms work without it):
   - the unit beside a lab value follows the analyte chosen (IgG/IgA/IgM in mg/dL, ANC in cells/µL);
   - the first field with an error gets the focus, so a clinician sees at once what to fix. */
(function () {
  "use strict";
  document.querySelectorAll("select[data-units]").forEach(function (select) {
    var units = {};
    select.getAttribute("data-units").split(",").forEach(function (pair) {
      var parts = pair.split("=");
      units[parts[0]] = parts[1];
    });
    function update() {
      var unit = units[select.value] || "mg/dL";
      select.form.querySelectorAll("[data-unit-for]").forEach(function (span) { span.textContent = unit; });
    }
    select.addEventListener("change", update);
    update();
  });
  var firstError = document.querySelector(".has-error input, .has-error select, .has-error textarea");
  if (firstError) { firstError.focus(); }
})();
