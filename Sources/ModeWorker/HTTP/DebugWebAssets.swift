/// The web view's page, compiled into the binary: no CDN, no files read at run time.
///
/// `/debug/` serves ``html``, which loads ``style`` (`/debug/app.css`) and ``script`` (`/debug/app.js`);
/// separate resources, so the page runs under `Content-Security-Policy: default-src 'self'` with no inline
/// script. The script draws everything from `/debug/api/<command>` and writes text only through
/// `textContent` (task and service names are never parsed as HTML).
///
/// ```swift
/// HTTPEndpointResponse(status: .ok, body: DebugWebAssets.html, contentType: "text/html; charset=utf-8")
/// ```
enum DebugWebAssets {
    static let html = #"""
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>mode Worker</title>
        <link rel="stylesheet" href="app.css">
        <script src="app.js" defer></script>
        </head>
        <body>
        <header>
          <h1>mode Worker <span id="pid"></span></h1>
          <div id="summary">loading&hellip;</div>
          <div class="controls">
            <label><input type="checkbox" id="auto" checked> refresh every 2 s</label>
            <button id="refresh" type="button">Refresh now</button>
            <span id="updated"></span>
          </div>
        </header>
        <main>
          <section id="services-section">
            <h2>Services</h2>
            <div id="tree" class="scroll"></div>
          </section>
          <section id="tasks-section">
            <h2>Tasks <span id="task-count" class="muted"></span></h2>
            <input id="task-filter" type="search" placeholder="filter: name, service, state, id">
            <label><input type="checkbox" id="frames"> innermost frames (<code>ps -s</code>: reads every task's stack)</label>
            <div id="tasks" class="scroll"></div>
            <p class="muted">Click a task's id for its stack (<code>where</code>).</p>
            <pre id="task-detail"></pre>
          </section>
          <section id="stalls-section">
            <h2>Stall reports <span id="stall-count" class="muted"></span></h2>
            <div id="stalls"></div>
          </section>
          <section id="threads-section">
            <h2>Threads <span id="thread-count" class="muted"></span></h2>
            <div id="threads" class="scroll"></div>
          </section>
          <section id="dump-section">
            <h2>Thread dump</h2>
            <p class="muted">Captures and symbolicates every thread's native stack, like <code>kill -USR1</code>
            or the console's <code>stacks</code> (POST /debug/api/stacks).</p>
            <button id="dump" type="button">Take a thread dump</button>
            <pre id="dump-output"></pre>
          </section>
        </main>
        <footer id="error" role="status"></footer>
        </body>
        </html>

        """#
}
