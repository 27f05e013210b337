extension DebugWebAssets {
    /// `/debug/app.css`.
    static let style = #"""
        :root { --fg: #1d232a; --muted: #66707a; --line: #d5dbe1; --bg: #f6f8fa; --card: #ffffff;
          --running: #2e9e5b; --starting: #d69a1d; --stopping: #d69a1d; --crashed: #d2362f;
          --stopped: #8a939c; --shutdown: #8a939c; --init: #3f7fd6; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 14px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg);
          background: var(--bg); }
        header { padding: 12px 20px; background: var(--card); border-bottom: 1px solid var(--line); }
        h1 { margin: 0 0 4px; font-size: 20px; }
        h1 span, .muted { color: var(--muted); font-weight: normal; font-size: 14px; }
        h2 { margin: 0 0 8px; font-size: 16px; }
        main { display: grid; grid-template-columns: 1fr 1fr; gap: 12px; padding: 12px 20px; }
        section { background: var(--card); border: 1px solid var(--line); border-radius: 6px; padding: 12px;
          min-width: 0; }
        #services-section, #tasks-section, #dump-section { grid-column: 1 / -1; }
        .controls { margin-top: 6px; display: flex; gap: 12px; align-items: center; }
        .scroll { overflow: auto; max-height: 420px; }
        table { border-collapse: collapse; width: 100%; font-size: 13px; }
        th, td { text-align: left; padding: 3px 8px; border-bottom: 1px solid var(--line); vertical-align: top;
          white-space: nowrap; }
        th { position: sticky; top: 0; background: var(--card); }
        td.num { text-align: right; font-variant-numeric: tabular-nums; }
        td pre { margin: 0; white-space: pre; }
        pre:empty { display: none; }
        td.link { cursor: pointer; text-decoration: underline; color: #3f7fd6; }
        td.frame { font: 12px ui-monospace, "DejaVu Sans Mono", monospace; white-space: nowrap; }
        pre { font: 12px/1.35 ui-monospace, "DejaVu Sans Mono", monospace; background: var(--bg);
          padding: 8px; overflow: auto; max-height: 400px; margin: 6px 0; }
        .state { font-weight: 600; }
        .state-running { color: var(--running); } .state-suspended { color: var(--muted); }
        .state-crashed, .state-failed { color: var(--crashed); }
        svg text { font: 12px system-ui, sans-serif; fill: var(--fg); }
        svg text.label { font-weight: 600; }
        svg .edge { stroke: #9aa4ad; fill: none; stroke-width: 1.5; }
        svg .box { fill: var(--card); stroke-width: 2; }
        input[type=search] { width: 320px; margin-bottom: 6px; padding: 3px 6px; }
        footer { padding: 4px 20px; color: var(--crashed); min-height: 1.5em; }
        button { padding: 4px 10px; }

        """#
}
