extension DebugWebAssets {
    /// `/debug/app.js`: fetches `api/services`, `api/ps` (`ps -s` with "innermost frames" ticked), `api/stalls`,
    /// `api/threads` and `api/stats`, draws them, and repeats every 2 s unless paused. A click on a task's id shows
    /// its async stack (`api/where`). The dump button (or `/debug/#dump` on load) POSTs
    /// `api/stacks` with `X-Mode-Debug: 1`. Tables show whatever fields the JSON has (known ones first),
    /// so fields added to `ps` later (async stacks, per-task figures) appear without a change here.
    static let script = #"""
        "use strict";
        const REFRESH_MS = 2000;
        const MAX_TASK_ROWS = 500;  // a Worker may hold 10,000 tasks: the filter finds the others
        const SVG = "http://www.w3.org/2000/svg";
        const TASK_COLUMNS = ["id", "service", "name", "state", "age_s", "kind", "busy_ms", "thread", "innermost_frame"];
        const THREAD_COLUMNS = ["tid", "name", "state", "wchan", "job"];
        const STATE_COLOURS = { running: "#2e9e5b", starting: "#d69a1d", stopping: "#d69a1d", crashed: "#d2362f",
          stopped: "#8a939c", shutdown: "#8a939c", init: "#3f7fd6" };
        let timer = null;
        let lastTasks = [];
        let shownTask = null;  // the id whose stack is open below the task table

        function el(tag, text, cls) {
          const node = document.createElement(tag);
          if (text !== undefined && text !== null) node.textContent = String(text);
          if (cls) node.className = cls;
          return node;
        }
        function svgEl(tag, attributes, text) {
          const node = document.createElementNS(SVG, tag);
          for (const [key, value] of Object.entries(attributes || {})) node.setAttribute(key, String(value));
          if (text !== undefined) node.textContent = String(text);
          return node;
        }
        async function api(command, options) {
          const response = await fetch("api/" + command, Object.assign({ cache: "no-store" }, options || {}));
          const body = await response.json();
          if (!response.ok) throw new Error(command + ": " + response.status + " " + (body.error || ""));
          return body;
        }

        // A cell for any JSON value: numbers right-aligned, arrays of strings (stacks) as an expandable list.
        function cell(key, value) {
          const td = el("td");
          if (value === null || value === undefined) { td.textContent = "-"; return td; }
          if (typeof value === "number") {
            td.className = "num";
            td.textContent = key.endsWith("_s") ? value.toFixed(1) + " s" : String(value);
            return td;
          }
          if (typeof value === "object" && !Array.isArray(value) && typeof value.text === "string") {
            td.textContent = value.text;  // a stack frame: its one-line form
            td.className = "frame";
            return td;
          }
          if (Array.isArray(value) || typeof value === "object") {
            const lines = Array.isArray(value)
              ? value.map(item => typeof item === "string" ? item : JSON.stringify(item))
              : [JSON.stringify(value, null, 1)];
            if (lines.length === 0) { td.textContent = "-"; return td; }
            const details = el("details");
            const innermost = lines[0].length > 80 ? lines[0].slice(0, 80) + "..." : lines[0];
            details.appendChild(el("summary", Array.isArray(value) ? lines.length + ": " + innermost : "{...}"));
            details.appendChild(el("pre", lines.join("\n")));
            td.appendChild(details);
            return td;
          }
          td.textContent = String(value);
          if (key === "state") td.className = "state state-" + value;
          return td;
        }

        // A table of objects: `preferred` columns first, then every other key in the order first seen.
        function table(rows, preferred) {
          const columns = preferred.filter(key => rows.some(row => key in row));
          for (const row of rows) for (const key of Object.keys(row)) if (!columns.includes(key)) columns.push(key);
          const tableNode = el("table");
          const head = el("tr");
          for (const key of columns) head.appendChild(el("th", key));
          tableNode.appendChild(el("thead")).appendChild(head);
          const body = tableNode.appendChild(el("tbody"));
          for (const row of rows) {
            const tr = el("tr");
            for (const key of columns) {
              const td = tr.appendChild(cell(key, row[key]));
              if (key === "id" && preferred === TASK_COLUMNS) {
                td.classList.add("link");
                td.title = "show this task's stack (where " + row.id + ")";
                td.addEventListener("click", () => showTask(row.id));
              }
            }
            body.appendChild(tr);
          }
          return tableNode;
        }

        // The service tree as boxes and edges: leaves side by side, a parent centred over its children.
        function drawTree(services) {
          const byPath = new Map(services.map(service => [service.path, Object.assign({ children: [] }, service)]));
          const roots = [];
          for (const node of byPath.values()) {
            const cut = node.path.lastIndexOf("/");
            const parent = cut > 0 ? byPath.get(node.path.slice(0, cut)) : undefined;
            if (parent) parent.children.push(node); else roots.push(node);
          }
          const W = 190, H = 54, GAP_X = 16, GAP_Y = 44;
          let nextLeaf = 0, maxDepth = 0;
          function place(node, depth) {
            maxDepth = Math.max(maxDepth, depth);
            node.y = depth * (H + GAP_Y) + 8;
            if (node.children.length === 0) { node.x = nextLeaf++ * (W + GAP_X) + 8; return; }
            node.children.forEach(child => place(child, depth + 1));
            node.x = (node.children[0].x + node.children[node.children.length - 1].x) / 2;
          }
          roots.forEach(root => place(root, 0));
          const width = Math.max(1, nextLeaf) * (W + GAP_X) + 16, height = (maxDepth + 1) * (H + GAP_Y) - GAP_Y + 16;
          const svg = svgEl("svg", { width, height, viewBox: "0 0 " + width + " " + height, role: "img",
            "aria-label": "service tree" });
          const edges = svgEl("g"), boxes = svgEl("g");
          svg.appendChild(edges); svg.appendChild(boxes);
          for (const node of byPath.values()) {
            for (const child of node.children) {
              const x1 = node.x + W / 2, y1 = node.y + H, x2 = child.x + W / 2, y2 = child.y, mid = (y1 + y2) / 2;
              edges.appendChild(svgEl("path", { class: "edge",
                d: "M" + x1 + "," + y1 + " C" + x1 + "," + mid + " " + x2 + "," + mid + " " + x2 + "," + y2 }));
            }
            const colour = STATE_COLOURS[node.state] || "#8a939c";
            const group = svgEl("g", { class: "service", "data-path": node.path, "data-state": node.state });
            group.appendChild(svgEl("title", {}, node.path + (node.crash ? "\ncrash: " + node.crash : "")));
            group.appendChild(svgEl("rect", { class: "box", x: node.x, y: node.y, width: W, height: H, rx: 6,
              stroke: colour }));
            group.appendChild(svgEl("rect", { x: node.x, y: node.y, width: 6, height: H, rx: 3, fill: colour }));
            const label = node.label.length > 24 ? node.label.slice(0, 23) + "..." : node.label;
            group.appendChild(svgEl("text", { class: "label", x: node.x + 14, y: node.y + 20 }, label));
            const line = node.state + " \u00b7 restarts " + node.restarts + " \u00b7 tasks " + node.tasks;
            group.appendChild(svgEl("text", { x: node.x + 14, y: node.y + 40, fill: colour }, line));
            boxes.appendChild(group);
          }
          return svg;
        }

        function matchesFilter(task, filter) {
          if (!filter) return true;
          return JSON.stringify(task).toLowerCase().includes(filter.toLowerCase());
        }
        function drawTasks() {
          const filter = document.getElementById("task-filter").value.trim();
          const matching = lastTasks.filter(task => matchesFilter(task, filter));
          const shown = matching.slice(0, MAX_TASK_ROWS);
          document.getElementById("task-count").textContent =
            "(" + lastTasks.length + " live" + (shown.length !== lastTasks.length ? ", " + shown.length + " shown" : "") + ")";
          const rows = [table(shown, TASK_COLUMNS)];
          if (matching.length > shown.length) {
            rows.push(el("p", (matching.length - shown.length) + " more: narrow the filter to see them", "muted"));
          }
          document.getElementById("tasks").replaceChildren(...rows);
        }

        // One task in full, as the console's `where <id>` gives it: its async stack when suspended.
        async function showTask(id) {
          shownTask = id;
          const target = document.getElementById("task-detail");
          try {
            const task = await api("where?arg=" + encodeURIComponent(id));
            const lines = ["Task " + task.id + " " + task.name + " (" + task.state + ") in " + (task.service || "-")];
            const stack = task.async_stack;
            if (stack && stack.frames && stack.frames.length > 0) {
              lines.push("async stack (" + stack.state + ", innermost first):");
              for (const frame of stack.frames) lines.push("  " + frame.text);
            } else if (stack) {
              lines.push("async stack: " + stack.state + (stack.note ? " (" + stack.note + ")" : ""));
            }
            if (Array.isArray(task.stack) && task.stack.length > 0) {
              lines.push("running: native stack:");
              for (const frame of task.stack) lines.push("  " + (typeof frame === "string" ? frame : frame.text || JSON.stringify(frame)));
            }
            target.textContent = lines.join("\n");
            target.dataset.task = String(id);
          } catch (error) {
            target.textContent = "where " + id + ": " + error.message;
          }
        }

        function drawStalls(stalls) {
          const target = document.getElementById("stalls");
          if (!stalls.enabled) {
            document.getElementById("stall-count").textContent = "";
            target.replaceChildren(el("p", "Blocking detection is off (--blocking-timeout 0).", "muted"));
            return;
          }
          document.getElementById("stall-count").textContent = "(" + stalls.count + " reported)";
          const reports = stalls.reports.slice().reverse();
          if (reports.length === 0) { target.replaceChildren(el("p", "No stalls reported.", "muted")); return; }
          target.replaceChildren(...reports.map(report =>
            el("pre", typeof report === "string" ? report : JSON.stringify(report, null, 2))));
        }

        function drawSummary(stats) {
          document.getElementById("pid").textContent = "pid " + stats.pid;
          const states = Object.entries(stats.services_by_state || {}).map(([state, n]) => n + " " + state).join(", ");
          document.getElementById("summary").textContent =
            "up " + stats.uptime_s.toFixed(1) + " s \u00b7 services: " + stats.services + " (" + states + ") \u00b7 tasks: " +
            stats.tasks_live + " live, " + stats.tasks_running + " running \u00b7 restarts: " + stats.restarts +
            " \u00b7 stalls: " + stats.stalls + " \u00b7 RSS " + Math.round(stats.rss_bytes / 1048576) + " MiB";
        }

        async function refresh() {
          const errors = [];
          const step = async (command, draw) => {
            try { draw(await api(command)); } catch (error) { errors.push(error.message); }
          };
          await step("stats", drawSummary);
          await step("services", body => document.getElementById("tree").replaceChildren(drawTree(body.services)));
          const frames = document.getElementById("frames").checked;
          await step(frames ? "ps?arg=-s" : "ps", body => { lastTasks = body.tasks; drawTasks(); });
          await step("stalls", drawStalls);
          await step("threads", body => {
            document.getElementById("thread-count").textContent = "(" + body.threads.length + ")";
            document.getElementById("threads").replaceChildren(table(body.threads, THREAD_COLUMNS));
          });
          document.getElementById("error").textContent = errors.join("; ");
          document.getElementById("updated").textContent = "updated " + new Date().toLocaleTimeString();
          document.body.dataset.loaded = "true";
        }

        async function dump() {
          const output = document.getElementById("dump-output");
          output.textContent = "capturing...";
          try {
            const body = await api("stacks", { method: "POST", headers: { "X-Mode-Debug": "1" } });
            output.textContent = "Thread dump at " + new Date().toLocaleTimeString() + "\n\n" + body.threads.map(thread =>
              "Thread " + thread.tid + " '" + thread.name + "' (" + thread.state + ")\n" +
              thread.frames.map(frame => "  " + frame).join("\n")).join("\n\n");
            document.body.dataset.dumped = "true";
          } catch (error) {
            output.textContent = "thread dump failed: " + error.message;
          }
        }

        function schedule() {
          if (timer !== null) clearInterval(timer);
          timer = document.getElementById("auto").checked ? setInterval(refresh, REFRESH_MS) : null;
        }

        document.addEventListener("DOMContentLoaded", () => {
          document.getElementById("auto").addEventListener("change", schedule);
          document.getElementById("refresh").addEventListener("click", refresh);
          document.getElementById("dump").addEventListener("click", dump);
          document.getElementById("task-filter").addEventListener("input", drawTasks);
          document.getElementById("frames").addEventListener("change", refresh);
          // /debug/#dump takes a thread dump once the page has loaded (for scripts and headless browsers).
          // /debug/#task-ID opens that task's stack (for scripts and headless browsers).
          refresh().then(() => {
            if (location.hash === "#dump") dump();
            const task = /^#task-(\d+)$/.exec(location.hash);
            if (task) showTask(Number(task[1]));
          });
          schedule();
        });

        """#
}
