// Small progressive enhancements; every page works without them.
document.addEventListener("DOMContentLoaded", function () {
  // Confirm irreversible actions: <form data-confirm="...">
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (ev) {
      if (!window.confirm(form.dataset.confirm)) { ev.preventDefault(); }
    });
  });
});

// A choice that decides which other fields apply: <select data-fields-for='{"value": ["field", ...]}'>.
// Fields named in the map but not listed for the chosen value are hidden (the server still checks them).
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("select[data-fields-for]").forEach(function (select) {
    var map = JSON.parse(select.dataset.fieldsFor);
    var all = {};
    Object.keys(map).forEach(function (k) { map[k].forEach(function (f) { all[f] = true; }); });
    function wrapper(name) {
      var el = select.form.querySelector('[name="' + name + '"]');
      return el ? (el.closest(".mb-3") || el.parentElement) : null;
    }
    function update() {
      var wanted = map[select.value] || [];
      Object.keys(all).forEach(function (name) {
        var w = wrapper(name);
        if (w) { w.hidden = wanted.indexOf(name) === -1; }
      });
    }
    select.addEventListener("change", update);
    update();
  });
});
