using System.Text.Json.Nodes;

namespace Tierflow.Cli.Timeline;

/// <summary>
/// The timeline as one self-contained HTML page (no network, no library): the trace's data as JSON and a short
/// script that draws it as SVG. The wheel zooms the time axis around the pointer, dragging pans, a double click
/// shows the whole run again; under the pointer, a compile shows its trace record (from → to, reason, queue and
/// compile times, object size, batch, cache hit, error), a band its tier and span, an OSR transfer its loop.
/// The same rows, colours and marks as the PNG.
/// </summary>
internal static class HtmlTimeline
{
    public static string Page(TraceFile trace, string title)
    {
        var rows = new JsonArray();
        foreach (var name in trace.Functions)
        {
            var bands = new JsonArray();
            foreach (var (from, to, tier) in trace.Bands(name))
                bands.Add((JsonNode)new JsonObject { ["from"] = Round(from), ["to"] = Round(to), ["tier"] = tier });
            var compiles = new JsonArray();
            foreach (var c in trace.CompilesOf(name))
                compiles.Add((JsonNode)new JsonObject
                {
                    ["from"] = c.From, ["to"] = c.To, ["reason"] = c.Reason, ["queued"] = Round(c.QueuedMs), ["start"] = Round(c.StartMs),
                    ["end"] = Round(c.EndMs), ["osr"] = c.OsrLoop, ["error"] = c.Error, ["batch"] = c.Batch, ["bytes"] = c.Bytes, ["cached"] = c.Cached,
                });
            var transfers = new JsonArray();
            foreach (var t in trace.TransfersOf(name))
                transfers.Add((JsonNode)new JsonObject { ["at"] = Round(t.AtMs), ["loop"] = t.Loop });
            rows.Add((JsonNode)new JsonObject { ["name"] = name, ["bands"] = bands, ["compiles"] = compiles, ["transfers"] = transfers });
        }
        var data = new JsonObject
        {
            ["title"] = title,
            ["end"] = Round(trace.EndMs),
            ["loaded"] = Round(trace.LoadedMs),
            ["stopped"] = trace.StoppedMs is { } s ? Round(s) : null,
            ["hidden"] = trace.NeverCompiled,
            ["colors"] = new JsonArray(TimelineCommand.TierColors.Select(c => (JsonNode?)JsonValue.Create(c)).ToArray()),
            ["rows"] = rows,
        };
        // "</" cannot end the script early: JSON strings escape '<' (JsonSerializerOptions' default encoder).
        return Template.Replace("/*TITLE*/", System.Net.WebUtility.HtmlEncode(title)).Replace("/*DATA*/", data.ToJsonString());
    }

    static double Round(double ms) => Math.Round(ms, 3);

    const string Template = """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><title>/*TITLE*/</title>
        <style>
          body { font: 13px system-ui, sans-serif; margin: 16px; color: #222; }
          h1 { font-size: 16px; margin: 0 0 4px; }
          #hint { color: #666; margin-bottom: 8px; }
          #chart { border: 1px solid #ccc; overflow: hidden; user-select: none; cursor: grab; }
          #legend span { display: inline-block; margin-right: 14px; }
          #legend i { display: inline-block; width: 12px; height: 12px; margin-right: 4px; vertical-align: -2px; }
          text { font: 11px ui-monospace, monospace; }
        </style></head>
        <body>
        <h1>/*TITLE*/</h1>
        <div id="hint">Wheel: zoom the time axis · drag: pan · double click: the whole run · hover: what each mark is</div>
        <div id="chart"><svg id="svg" xmlns="http://www.w3.org/2000/svg"></svg></div>
        <p id="legend"></p>
        <script>
        const D = /*DATA*/;
        const svg = document.getElementById('svg'), chart = document.getElementById('chart');
        const NS = 'http://www.w3.org/2000/svg', LEFT = 220, TOP = 28, ROW = 24, RIGHT = 16;
        let t0 = 0, t1 = D.end * 1.02;
        const height = TOP + ROW * D.rows.length + 12;
        const width = () => chart.clientWidth;
        const x = t => LEFT + (t - t0) / (t1 - t0) * (width() - LEFT - RIGHT);
        const tierColor = tier => D.colors[Math.min(3, Math.max(0, +(tier || 'O0').slice(1) || 0))];
        function el(name, attrs, tip, parent) {
          const e = document.createElementNS(NS, name);
          for (const k in attrs) e.setAttribute(k, attrs[k]);
          if (tip) { const t = document.createElementNS(NS, 'title'); t.textContent = tip; e.appendChild(t); }
          (parent || svg).appendChild(e);
          return e;
        }
        const ms = v => v.toFixed(v < 10 ? 2 : 1) + ' ms';
        function describe(c) {
          const what = c.osr ? `OSR continuation at ${c.to} (asked at loop ${c.osr})` : `${c.from || '—'} → ${c.to}`;
          let s = `${what}\n${c.reason}\nqueued ${ms(c.queued)}, compiling ${ms(c.start)} → ${ms(c.end)} (${ms(c.end - c.start)})`;
          if (c.batch > 1) s += `\nin a batch of ${c.batch} (the batch's whole time)`;
          if (c.cached) s += '\ncode cache hit';
          if (c.bytes) s += `\n${c.bytes} B object`;
          if (c.error) s += `\nFAILED: ${c.error}`;
          return s;
        }
        function step(span) {
          const raw = span / 8, p = Math.pow(10, Math.floor(Math.log10(raw)));
          return [1, 2, 5, 10].map(m => m * p).find(s => s >= raw);
        }
        function draw() {
          svg.replaceChildren();
          svg.setAttribute('width', width());
          svg.setAttribute('height', height);
          const clip = el('clipPath', { id: 'plot' });
          el('rect', { x: LEFT, y: 0, width: Math.max(0, width() - LEFT - RIGHT), height }, null, clip);
          const s = step(t1 - t0);
          for (let t = Math.ceil(t0 / s) * s; t <= t1; t += s) {
            el('line', { x1: x(t), x2: x(t), y1: TOP - 6, y2: height, stroke: '#eee' });
            el('text', { x: x(t), y: TOP - 10, 'text-anchor': 'middle', fill: '#555' }).textContent = `${+t.toFixed(3)} ms`;
          }
          const g = el('g', { 'clip-path': 'url(#plot)' });
          for (const [t, label] of [[D.loaded, 'loaded'], [D.stopped, 'stopped']]) {
            if (t == null) continue;
            el('line', { x1: x(t), x2: x(t), y1: TOP - 4, y2: height, stroke: '#888', 'stroke-dasharray': '4 3' }, `${label} at ${ms(t)}`, g);
          }
          D.rows.forEach((r, i) => {
            const y = TOP + i * ROW + ROW / 2;
            el('text', { x: LEFT - 8, y: y + 4, 'text-anchor': 'end' }, r.name).textContent = r.name.length > 30 ? r.name.slice(0, 28) + '…' : r.name;
            for (const b of r.bands)
              el('rect', { x: x(b.from), y: y - 8, width: Math.max(0, x(b.to) - x(b.from)), height: 16, fill: tierColor(b.tier) },
                 `${r.name} runs at ${b.tier} from ${ms(b.from)} to ${ms(b.to)}`, g);
            for (const c of r.compiles) {
              const tip = `${r.name}: ${describe(c)}`;
              el('line', { x1: x(c.queued), x2: x(c.start), y1: y, y2: y, stroke: '#999' }, tip, g);
              el('rect', { x: x(c.start), y: y - 3, width: Math.max(2, x(c.end) - x(c.start)), height: 6,
                           fill: c.error ? '#d62728' : c.osr ? '#ff8c00' : '#111' }, tip, g);
              if (c.osr && !c.error) el('path', { d: `M${x(c.end)},${y - 11} l5,8 h-10 z`, fill: '#ff8c00' }, tip, g);
              if (c.error) el('path', { d: `M${x(c.end) - 5},${y - 5} l10,10 m0,-10 l-10,10`, stroke: '#d62728', 'stroke-width': 2 }, tip, g);
            }
            for (const t of r.transfers)
              el('path', { d: `M${x(t.at)},${y - 7} l6,7 l-6,7 l-6,-7 z`, fill: '#1b7a2f' },
                 `${r.name}: first OSR transfer at loop ${t.loop}, ${ms(t.at)}`, g);
          });
        }
        chart.addEventListener('wheel', e => {
          e.preventDefault();
          const rect = chart.getBoundingClientRect(), px = e.clientX - rect.left;
          const at = t0 + (Math.max(LEFT, px) - LEFT) / (width() - LEFT - RIGHT) * (t1 - t0);
          const k = Math.exp(e.deltaY * 0.002), span = Math.max(0.01, (t1 - t0) * k);
          t0 = at - (at - t0) * span / (t1 - t0); t1 = t0 + span;
          draw();
        }, { passive: false });
        let dragging = null;
        chart.addEventListener('mousedown', e => { dragging = { px: e.clientX, t0, t1 }; chart.style.cursor = 'grabbing'; });
        window.addEventListener('mouseup', () => { dragging = null; chart.style.cursor = 'grab'; });
        window.addEventListener('mousemove', e => {
          if (!dragging) return;
          const dt = (e.clientX - dragging.px) / (width() - LEFT - RIGHT) * (dragging.t1 - dragging.t0);
          t0 = dragging.t0 - dt; t1 = dragging.t1 - dt;
          draw();
        });
        chart.addEventListener('dblclick', () => { t0 = 0; t1 = D.end * 1.02; draw(); });
        window.addEventListener('resize', draw);
        const legend = document.getElementById('legend');
        const items = D.colors.map((c, i) => [c, `runs at O${i}`]).concat([['#111', 'compiling (gray line: queued)'],
          ['#ff8c00', 'OSR continuation compiled'], ['#1b7a2f', 'OSR transfer (first at a loop)'], ['#d62728', 'failed compile']]);
        for (const [c, label] of items) {
          const s = document.createElement('span');
          s.innerHTML = `<i style="background:${c}"></i>`;
          s.append(label);
          legend.appendChild(s);
        }
        if (D.hidden > 0) legend.append(` · ${D.hidden} function(s) of the load never compiled again are not shown`);
        draw();
        </script>
        </body></html>
        """;
}
