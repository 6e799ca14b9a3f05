// The API reference page: renders the OpenAPI document (/api/v1/openapi.json) as a list of routes with their
// parameters and answers, and the shapes they use. Text goes in with textContent only.
(function () {
  "use strict";
  var root = document.getElementById("api-reference");
  if (!root) { return; }
  var label = function (name) { return root.getAttribute("data-label-" + name) || name; };

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  function refName(schema) {
    if (!schema) { return ""; }
    if (schema.$ref) { return schema.$ref.split("/").pop(); }
    if (schema.type === "array" && schema.items) { return "[" + refName(schema.items) + "]"; }
    var type = Array.isArray(schema.type) ? schema.type.join(" | ") : (schema.type || "");
    return schema.format ? type + " (" + schema.format + ")" : type;
  }

  function resolve(doc, item) {
    if (item && item.$ref) {
      var parts = item.$ref.replace(/^#\//, "").split("/");
      var found = doc;
      parts.forEach(function (part) { found = found ? found[part] : undefined; });
      return found || item;
    }
    return item;
  }

  function operation(doc, path, method, op) {
    var card = el("section", "card mb-3");
    card.id = op.operationId || (method + path);
    var head = el("div", "card-header d-flex flex-wrap gap-2 align-items-baseline");
    head.appendChild(el("span", "badge " + (method === "get" ? "bg-primary" : "bg-success"), method.toUpperCase()));
    head.appendChild(el("code", "text-break", path));
    if (op.security && op.security.length) { head.appendChild(el("span", "badge bg-warning text-dark", label("token"))); }
    card.appendChild(head);
    var body = el("div", "card-body");
    if (op.summary) { body.appendChild(el("p", "fw-bold mb-1", op.summary)); }
    if (op.description) { body.appendChild(el("p", "small pre-wrap", op.description)); }
    var params = (op.parameters || []).map(function (p) { return resolve(doc, p); });
    if (params.length) {
      body.appendChild(el("h3", "h6", label("parameters")));
      var table = el("table", "table table-sm small");
      var tbody = el("tbody");
      params.forEach(function (p) {
        var row = el("tr");
        row.appendChild(el("td", "text-nowrap", p.name + (p.required ? " *" : "")));
        row.appendChild(el("td", "text-nowrap text-muted", p["in"]));
        row.appendChild(el("td", "text-nowrap", refName(p.schema)));
        row.appendChild(el("td", "", p.description || (p.schema && p.schema.description) || ""));
        tbody.appendChild(row);
      });
      table.appendChild(tbody);
      var wrap = el("div", "table-responsive");
      wrap.appendChild(table);
      body.appendChild(wrap);
    }
    if (op.requestBody) {
      body.appendChild(el("h3", "h6", label("body")));
      var kinds = Object.keys(op.requestBody.content || {});
      body.appendChild(el("p", "small", kinds.join(", ") + (op.requestBody.description ? ": " + op.requestBody.description : "")));
    }
    body.appendChild(el("h3", "h6", label("responses")));
    var list = el("ul", "small mb-0");
    Object.keys(op.responses || {}).forEach(function (status) {
      var response = resolve(doc, op.responses[status]);
      var content = response.content || {};
      var shapes = Object.keys(content).map(function (type) { return type + " " + refName(content[type].schema); });
      list.appendChild(el("li", "", status + " " + (response.description || "") + (shapes.length ? " — " + shapes.join(", ") : "")));
    });
    body.appendChild(list);
    card.appendChild(body);
    return card;
  }

  function schemas(doc) {
    var section = el("section", "mt-4");
    section.appendChild(el("h2", "h4", label("schemas")));
    var all = (doc.components && doc.components.schemas) || {};
    Object.keys(all).sort().forEach(function (name) {
      var schema = all[name];
      var box = el("div", "mb-3");
      box.id = "schema-" + name;
      box.appendChild(el("h3", "h6 hash", name));
      var list = el("ul", "small mb-0");
      Object.keys(schema.properties || {}).forEach(function (prop) {
        var p = schema.properties[prop];
        list.appendChild(el("li", "", prop + ": " + refName(p) + (p.description ? " — " + p.description : "")));
      });
      box.appendChild(list);
      section.appendChild(box);
    });
    return section;
  }

  fetch(root.getAttribute("data-url"), { headers: { Accept: "application/json" } })
    .then(function (response) { if (!response.ok) { throw new Error(response.status); } return response.json(); })
    .then(function (doc) {
      root.textContent = "";
      var byTag = {};
      Object.keys(doc.paths || {}).sort().forEach(function (path) {
        Object.keys(doc.paths[path]).forEach(function (method) {
          var op = doc.paths[path][method];
          if (typeof op !== "object" || !op.responses) { return; }
          var tag = (op.tags && op.tags[0]) || "";
          (byTag[tag] = byTag[tag] || []).push([path, method, op]);
        });
      });
      var tags = {};
      (doc.tags || []).forEach(function (t) { tags[t.name] = t.description || t.name; });
      Object.keys(byTag).forEach(function (tag) {
        root.appendChild(el("h3", "h5 mt-3", tags[tag] || tag));
        byTag[tag].forEach(function (entry) { root.appendChild(operation(doc, entry[0], entry[1], entry[2])); });
      });
      root.appendChild(schemas(doc));
    })
    .catch(function () { root.textContent = ""; root.appendChild(el("p", "text-danger", label("failed"))); });
}());
