/* Assessment forms: live show/hide where JavaScript runs. The page works without it (every
   question is shown and the server prunes hidden answers on submit); this only hides questions
   whose rule is false now. It evaluates the same rules as forms/logic.py for the operators
   visibility rules use; anything else, or any type error, leaves the question shown, so the
   server stays the authority. tests/integration/assessments/test_live_visibility.py runs both
   evaluators on the same rules and answers. */
(function (root) {
  "use strict";

  function Unsupported(message) { this.message = message; }

  function isNumber(v) { return typeof v === "number"; }

  function truthy(v) {
    if (v === null || v === undefined || v === false) { return false; }
    if (isNumber(v)) { return v !== 0; }
    if (typeof v === "string" || Array.isArray(v)) { return v.length > 0; }
    if (typeof v === "object") { return Object.keys(v).length > 0; }
    return Boolean(v);
  }

  function equal(a, b) {
    if (a === undefined) { a = null; }
    if (b === undefined) { b = null; }
    if (typeof a === "boolean" || typeof b === "boolean") { return a === b; }
    if (Array.isArray(a) && Array.isArray(b)) {
      return a.length === b.length && a.every(function (x, i) { return equal(x, b[i]); });
    }
    return a === b;
  }

  function unanswered(v) {
    return v === null || v === undefined || v === "" || (Array.isArray(v) && v.length === 0);
  }

  function lookup(context, name) {
    if (name === "" || name === null || name === undefined) { return null; }
    var current = context;
    var parts = String(name).split(".");
    for (var i = 0; i < parts.length; i++) {
      if (current === null || typeof current !== "object") { return null; }
      current = Array.isArray(current) ? (/^\d+$/.test(parts[i]) ? current[Number(parts[i])] : undefined)
        : current[parts[i]];
      if (current === undefined || current === null) { return null; }
    }
    return current === "" ? null : current;
  }

  function ordered(op, values) {
    if (values.some(function (v) { return v === null || v === undefined; })) { return null; }
    if (values.every(isNumber) || values.every(function (v) { return typeof v === "string"; })) { return values; }
    throw new Unsupported("'" + op + "' compares numbers with numbers or text with text");
  }

  var COMPARE = {
    "<": function (a, b) { return a < b; }, "<=": function (a, b) { return a <= b; },
    ">": function (a, b) { return a > b; }, ">=": function (a, b) { return a >= b; }
  };

  function numbers(op, values) {
    if (values.some(function (v) { return v === null || v === undefined; })) { return null; }
    if (!values.every(isNumber)) { throw new Unsupported("'" + op + "' needs numbers"); }
    return values;
  }

  var ARITH = {
    "+": function (v) { return v.reduce(function (a, b) { return a + b; }, 0); },
    "*": function (v) { return v.reduce(function (a, b) { return a * b; }, 1); },
    "-": function (v) { return v.length === 1 ? -v[0] : v.slice(1).reduce(function (a, b) { return a - b; }, v[0]); },
    "/": function (v) {
      if (v.length !== 2 || v[1] === 0) { throw new Unsupported("division"); }
      return v[0] / v[1];
    },
    "min": function (v) { return v.length ? Math.min.apply(null, v) : null; },
    "max": function (v) { return v.length ? Math.max.apply(null, v) : null; }
  };

  function evaluate(node, context) {
    if (Array.isArray(node)) { return node.map(function (child) { return evaluate(child, context); }); }
    if (node === null || typeof node !== "object") { return node === undefined ? null : node; }
    var op = Object.keys(node)[0];
    var args = node[op];
    if (!Array.isArray(args)) { args = [args]; }
    var run = function (i) { return evaluate(args[i], context); };
    var value, i;
    switch (op) {
      case "var":
        value = lookup(context, args[0]);
        return value === null && args.length > 1 ? run(1) : value;
      case "missing":
        return args.filter(function (name) { return unanswered(lookup(context, name)); });
      case "answered":
        return !unanswered(lookup(context, args[0]));
      case "if": case "?:":
        for (i = 0; i + 1 < args.length; i += 2) {
          if (truthy(run(i))) { return run(i + 1); }
        }
        return i < args.length ? run(i) : null;
      case "and":
        value = null;
        for (i = 0; i < args.length; i++) { value = run(i); if (!truthy(value)) { return value; } }
        return value;
      case "or":
        value = null;
        for (i = 0; i < args.length; i++) { value = run(i); if (truthy(value)) { return value; } }
        return value;
      case "!": return !truthy(run(0));
      case "!!": return truthy(run(0));
      case "==": return equal(run(0), run(1));
      case "!=": return !equal(run(0), run(1));
      case "<": case "<=": case ">": case ">=":
        value = ordered(op, args.map(function (_, j) { return run(j); }));
        if (value === null) { return false; }
        for (i = 0; i + 1 < value.length; i++) { if (!COMPARE[op](value[i], value[i + 1])) { return false; } }
        return true;
      case "in":
        var needle = run(0), haystack = run(1);
        if (needle === null || haystack === null) { return false; }
        if (typeof haystack === "string") {
          if (typeof needle !== "string") { throw new Unsupported("'in' on text needs text"); }
          return haystack.indexOf(needle) !== -1;
        }
        if (Array.isArray(haystack)) { return haystack.some(function (item) { return equal(needle, item); }); }
        throw new Unsupported("'in' needs a list or text");
      case "+": case "-": case "*": case "/": case "min": case "max":
        value = numbers(op, args.map(function (_, j) { return run(j); }));
        return value === null ? null : ARITH[op](value);
      default:
        throw new Unsupported("operator " + op + " is left to the server");
    }
  }

  /* Which questions are shown for these answers: in the server's order, a question's answer
     counts only when the question itself is shown; a rule that cannot be worked out here shows it. */
  function visibleFields(logic, answers) {
    var context = {}, shown = {};
    logic.order.forEach(function (key) {
      var spec = logic.fields[key] || {};
      var visible = true;
      if (spec.visible_if !== null && spec.visible_if !== undefined) {
        try { visible = truthy(evaluate(spec.visible_if, context)); } catch (e) { visible = true; }
      }
      shown[key] = visible;
      if (visible && !unanswered(answers[key])) { context[key] = answers[key]; }
    });
    return shown;
  }

  function typed(spec, text) {
    if (text === null || text === undefined || text === "") { return null; }
    var options = spec.options || [];
    for (var i = 0; i < options.length; i++) { if (options[i][0] === text) { return options[i][1]; } }
    if (spec.type === "yes_no") { return text === "true" ? true : (text === "false" ? false : text); }
    if (spec.type === "integer" || spec.type === "decimal" || spec.type === "scale") {
      var n = Number(text);
      return isFinite(n) ? n : null;
    }
    return text;
  }

  function readAnswers(form, logic) {
    var answers = {};
    logic.order.forEach(function (key) {
      var spec = logic.fields[key] || {};
      var inputs = form.querySelectorAll("[name='" + key + "']");
      if (!inputs.length) { return; }
      if (spec.type === "multiple_choice") {
        answers[key] = Array.prototype.filter.call(inputs, function (el) { return el.checked; })
          .map(function (el) { return typed(spec, el.value); });
        return;
      }
      var chosen = null;
      Array.prototype.forEach.call(inputs, function (el) {
        if (el.type === "radio" || el.type === "checkbox") { if (el.checked) { chosen = el.value; } }
        else { chosen = el.value; }
      });
      answers[key] = typed(spec, chosen);
    });
    return answers;
  }

  function attach(form) {
    var source = document.getElementById("assessment-logic");
    if (!source) { return; }
    var logic = JSON.parse(source.textContent);
    var update = function () {
      var shown = visibleFields(logic, readAnswers(form, logic));
      Object.keys(shown).forEach(function (key) {
        var box = form.querySelector("[data-field='" + key + "']");
        if (box) { box.hidden = !shown[key]; }
      });
    };
    form.addEventListener("change", update);
    form.addEventListener("input", update);
    update();
  }

  var api = { evaluate: evaluate, visibleFields: visibleFields, truthy: truthy };
  if (typeof module !== "undefined" && module.exports) {
    module.exports = api;
  } else {
    root.assessmentForm = api;
    document.addEventListener("DOMContentLoaded", function () {
      var form = document.querySelector("form[data-live-form]");
      if (form) { attach(form); }
    });
  }
})(this);
