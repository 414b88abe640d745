// The lineage explorer: a cytoscape graph centred on one entity. Click a node to
// expand it one hop each way (through the REST lineage API) and show its links in the
// side panel. "Full ancestry" walks everything upstream of the centre and highlights
// the paths back to its datasets.
// Upstream is drawn to the left, downstream to the right, one column per hop.
(function () {
  "use strict";

  var API = "/api/v1/lineage/";
  var COLUMN_GAP = 230;
  var ROW_GAP = 64;
  var MAX_ROWS = 25;
  var SUB_COLUMN_GAP = 170;
  var COLORS = {
    dataset: "#1a8a4a", mlModel: "#2f6fde", mlModelGroup: "#0f8fa8",
    mlModelDeployment: "#c0392b", dataProcessInstance: "#7a4cc2", mlFeature: "#d9822b",
    mlFeatureTable: "#b36b00", schemaField: "#8aa19a", dataJob: "#6b7585",
    dataFlow: "#4a5568", dashboard: "#a0367a", container: "#555"
  };

  var data = JSON.parse(document.getElementById("lineage-data").textContent);
  var root = data.root;
  var statusEl = document.getElementById("status");
  var listEl = document.getElementById("node-list");
  var selectedEl = document.getElementById("selected");
  var filterEl = document.getElementById("type-filter");
  var column = {};
  var expanded = {};
  var hiddenTypes = {};
  var pending = 0;

  var cy = cytoscape({
    container: document.getElementById("cy"),
    minZoom: 0.05,
    maxZoom: 3,
    boxSelectionEnabled: false,
    style: [
      { selector: "node", style: {
        "background-color": function (n) { return COLORS[n.data("type")] || "#888"; },
        "label": "data(label)", "font-size": 11, "color": "#1d2430",
        "text-valign": "bottom", "text-margin-y": 4, "text-wrap": "ellipsis", "text-max-width": 190,
        "width": 26, "height": 26, "border-width": 0
      } },
      { selector: "node.missing", style: { "background-opacity": 0.35 } },
      { selector: "node.root", style: { "width": 38, "height": 38, "border-width": 4, "border-color": "#17202e" } },
      { selector: "node.expanded", style: { "shape": "round-rectangle" } },
      { selector: "node:selected", style: { "border-width": 3, "border-color": "#f0a500" } },
      { selector: "edge", style: {
        "width": 1.5, "line-color": "#b7c0cd", "target-arrow-color": "#b7c0cd",
        "target-arrow-shape": "triangle", "curve-style": "bezier", "arrow-scale": 0.9
      } },
      { selector: "edge.path", style: { "line-color": "#f0a500", "target-arrow-color": "#f0a500", "width": 4, "z-index": 10 } },
      { selector: "node.path", style: { "border-width": 4, "border-color": "#f0a500" } },
      { selector: ".faded", style: { "opacity": 0.25 } },
      { selector: ".hidden", style: { "display": "none" } }
    ]
  });

  // src_2 before src_10.
  function byLabel(a, b) {
    return String(a.data("label")).localeCompare(String(b.data("label")), undefined, { numeric: true });
  }

  function entityUrl(urn) { return "/entity/" + encodeURIComponent(urn); }
  function lineageUrl(urn) { return "/lineage/" + encodeURIComponent(urn); }

  function setStatus(text) { statusEl.textContent = text; }

  function addNode(n, col) {
    var existing = cy.getElementById(n.urn);
    if (existing.nonempty()) return existing;
    column[n.urn] = col;
    var node = cy.add({ group: "nodes", data: {
      id: n.urn, label: n.name || n.urn, type: n.type, platform: n.platform || "", exists: n.exists !== false
    } });
    if (n.exists === false) node.addClass("missing");
    if (hiddenTypes[n.type]) node.addClass("hidden");
    return node;
  }

  function addEdge(e) {
    var id = e.upstream + " -> " + e.downstream;
    if (cy.getElementById(id).nonempty()) return;
    if (cy.getElementById(e.upstream).empty() || cy.getElementById(e.downstream).empty()) return;
    cy.add({ group: "edges", data: { id: id, source: e.upstream, target: e.downstream, types: (e.types || [e.type]).join(", ") } });
  }

  // Place a walk's nodes relative to the node it started from.
  function merge(result, from) {
    var base = column[from] || 0;
    result.nodes.forEach(function (n) {
      addNode(n, base + (n.direction === "upstream" ? -n.degree : n.degree));
    });
    result.edges.forEach(addEdge);
  }

  // One column per hop; a tall column wraps into side-by-side sub-columns so a node
  // fed by hundreds of tables stays readable and clickable.
  function layout(fit) {
    var byColumn = {};
    cy.nodes().forEach(function (n) {
      var c = column[n.id()] || 0;
      (byColumn[c] = byColumn[c] || []).push(n);
    });
    var x = 0;
    cy.batch(function () {
      Object.keys(byColumn).map(Number).sort(function (a, b) { return a - b; }).forEach(function (c) {
        var nodes = byColumn[c].sort(function (a, b) {
          return a.data("type").localeCompare(b.data("type")) || byLabel(a, b);
        });
        var subColumns = Math.ceil(nodes.length / MAX_ROWS);
        var rows = Math.ceil(nodes.length / subColumns);
        var top = -((rows - 1) * ROW_GAP) / 2;
        nodes.forEach(function (n, i) {
          n.position({ x: x + Math.floor(i / rows) * SUB_COLUMN_GAP, y: top + (i % rows) * ROW_GAP });
        });
        x += (subColumns - 1) * SUB_COLUMN_GAP + COLUMN_GAP;
      });
    });
    if (fit) cy.fit(cy.nodes(":visible"), 40);
    refreshList();
    refreshFilter();
  }

  function refreshList() {
    var nodes = cy.nodes().sort(function (a, b) { return (column[a.id()] - column[b.id()]) || byLabel(a, b); });
    listEl.textContent = "";
    nodes.forEach(function (n) {
      var li = document.createElement("li");
      li.setAttribute("data-urn", n.id());
      li.setAttribute("data-type", n.data("type"));
      if (expanded[n.id()]) li.className = "expanded";
      var a = document.createElement("a");
      a.href = entityUrl(n.id());
      a.textContent = n.data("label");
      a.title = n.id();
      li.appendChild(a);
      var t = document.createElement("span");
      t.className = "muted";
      t.textContent = " " + n.data("type");
      li.appendChild(t);
      listEl.appendChild(li);
    });
    document.getElementById("node-count").textContent = String(cy.nodes().length);
  }

  function refreshFilter() {
    var types = {};
    cy.nodes().forEach(function (n) { types[n.data("type")] = (types[n.data("type")] || 0) + 1; });
    filterEl.textContent = "";
    Object.keys(types).sort().forEach(function (t) {
      var label = document.createElement("label");
      var box = document.createElement("input");
      box.type = "checkbox";
      box.checked = !hiddenTypes[t];
      box.value = t;
      box.addEventListener("change", function () {
        hiddenTypes[t] = !box.checked;
        cy.nodes().filter(function (n) { return n.data("type") === t && n.id() !== root; })
          .toggleClass("hidden", !box.checked);
      });
      label.appendChild(box);
      label.appendChild(document.createTextNode(" " + t + " (" + types[t] + ")"));
      filterEl.appendChild(label);
    });
  }

  function fetchWalk(urn, direction, depth) {
    var url = API + encodeURIComponent(urn) + "?direction=" + direction + "&depth=" + depth + "&limit=5000";
    return fetch(url, { headers: { "Accept": "application/json" } }).then(function (r) {
      return r.json().then(function (body) {
        if (!r.ok) throw new Error(body.message || ("HTTP " + r.status));
        return body;
      });
    });
  }

  function busy(delta) {
    pending += delta;
    document.body.setAttribute("data-lineage-busy", String(pending));
  }

  function expand(urn) {
    if (expanded[urn]) return Promise.resolve();
    expanded[urn] = true;
    cy.getElementById(urn).addClass("expanded");
    busy(1);
    setStatus("Expanding…");
    return Promise.all([fetchWalk(urn, "upstream", 1), fetchWalk(urn, "downstream", 1)])
      .then(function (walks) {
        walks.forEach(function (w) { merge(w, urn); });
        layout(true);
        setStatus(cy.nodes().length + " nodes");
      })
      .catch(function (err) { expanded[urn] = false; setStatus("Could not expand: " + err.message); })
      .then(function () { busy(-1); });
  }

  function highlightDatasets(walk) {
    cy.elements().removeClass("path faded");
    var on = cy.collection();
    walk.nodes.forEach(function (n) {
      if (n.type !== "dataset") return;
      n.paths.forEach(function (path) {
        for (var i = 0; i < path.length; i++) {
          on = on.union(cy.getElementById(path[i]));
          if (i > 0) {
            on = on.union(cy.getElementById(path[i] + " -> " + path[i - 1]));
            on = on.union(cy.getElementById(path[i - 1] + " -> " + path[i]));
          }
        }
      });
    });
    if (on.nonempty()) {
      cy.elements().not(on).addClass("faded");
      on.addClass("path");
    }
    return on.nodes().length;
  }

  function showAncestry(walk) {
    merge(walk, root);
    walk.nodes.forEach(function (n) { if (n.direction === "upstream") expanded[n.urn] = true; });
    layout(true);
    var n = highlightDatasets(walk);
    setStatus(walk.nodes.length + " upstream nodes; " + (n ? "path to the datasets highlighted" : "no dataset upstream"));
  }

  function ancestry() {
    busy(1);
    setStatus("Walking the whole ancestry…");
    return fetchWalk(root, "upstream", 0).then(showAncestry)
      .catch(function (err) { setStatus("Could not load the ancestry: " + err.message); })
      .then(function () { busy(-1); });
  }

  function select(node) {
    selectedEl.textContent = "";
    selectedEl.className = "";
    var name = document.createElement("strong");
    name.textContent = node.data("label");
    selectedEl.appendChild(name);
    var meta = document.createElement("div");
    meta.className = "muted small";
    meta.textContent = node.data("type") + (node.data("platform") ? " · " + node.data("platform") : "");
    selectedEl.appendChild(meta);
    [["Open page", entityUrl(node.id()), "open-page"], ["Centre lineage here", lineageUrl(node.id()), "recentre"]]
      .forEach(function (item) {
        var a = document.createElement("a");
        a.href = item[1];
        a.textContent = item[0];
        a.id = item[2];
        a.className = "button";
        selectedEl.appendChild(document.createElement("br"));
        selectedEl.appendChild(a);
      });
  }

  cy.on("tap", "node", function (evt) {
    var node = evt.target;
    select(node);
    expand(node.id());
  });

  document.getElementById("btn-ancestry").addEventListener("click", ancestry);
  document.getElementById("btn-fit").addEventListener("click", function () { cy.fit(cy.nodes(":visible"), 40); });
  document.getElementById("btn-reset").addEventListener("click", function () { window.location.href = lineageUrl(root); });

  addNode({ urn: root, name: data.root_name, type: data.root_type, exists: true }, 0).addClass("root expanded");
  expanded[root] = true;
  merge(data.graph, root);
  if (data.ancestry) {
    showAncestry(data.ancestry);
  } else {
    layout(true);
    setStatus(cy.nodes().length + " nodes" + (data.graph.truncated ? " (truncated: " + data.graph.truncated_reason + ")" : ""));
  }
  busy(0);
  window.mlgraphLineage = { cy: cy, expand: expand, ancestry: ancestry };
})();
