'use strict';
// Chart of the echo load comparison (issue 7): messages/s per server and scenario, from the medians run-load.sh writes.
//
//   node benchmarks/chart/render-load-chart.js RESULTS.tsv OUT.png
//
// RESULTS.tsv: a header line naming the columns (scenario, server and msgs_per_s are used; the order is free), then one
// tab-separated row per scenario and server; a value may be `na`. Lines starting with `#` are comments; `# date: ...`,
// `# command: ...` and `# machine: ...` go into the caption. Writes OUT.svg (deterministic, so it diffs) and renders it
// to OUT.png with the system's Chromium in headless mode (Debian's chromium package). Node built-ins only.

const childProcess = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const url = require('url');

// Fixed order and colours, so charts of different runs compare at a glance; the library is the saturated one.
const SERVERS = [
  { id: 'sample', legend: 'this library', axis: 'this library', colour: '#1f63c6', highlight: true },
  { id: 'kestrel', legend: 'Kestrel + ManagedWebSocket', axis: 'Kestrel', colour: '#8a8f98' },
  { id: 'kestrel-large', legend: 'Kestrel, sample transport', axis: 'Kestrel tuned', colour: '#aeb3ba' },
  { id: 'raw', legend: 'raw-TCP bound', axis: 'raw', colour: '#c9cdd3' },
  { id: 'sockets', legend: 'bare-socket bound', axis: 'sockets', colour: '#e3e5e8' },
  { id: 'node', legend: 'Node ws', axis: 'Node ws', colour: '#7fb38a' },
  { id: 'bun', legend: 'Bun (uWebSockets)', axis: 'Bun', colour: '#e0a84a' },
];
const BASELINE = 'kestrel';
const OTHER_COLOUR = '#d9a35f';
const TITLE = 'Echo messages/s per server and payload (medians)';
const FONT = "'DejaVu Sans', 'Liberation Sans', Arial, sans-serif";

// Layout, in CSS pixels (the PNG is rendered at a device scale factor of 1, so these are also its pixels).
const WIDTH = 1200;
const MARGIN = 24;
const COLUMNS = 3;
const GAP = 24;
const PANEL_WIDTH = (WIDTH - 2 * MARGIN - (COLUMNS - 1) * GAP) / COLUMNS;
const PANEL_HEIGHT = 330;
const PANELS_TOP = 104;
const CAPTION_LINE = 18;

const CHROMIUM_TIMEOUT_MS = 60_000;

function fail(message) {
  process.stderr.write(`render-load-chart: ${message}\n`);
  process.exit(1);
}

function readResults(file) {
  let text;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    fail(`cannot read ${file}: ${error.message}`);
  }

  const meta = {};
  const rows = [];
  let columns = null;
  text.split(/\r?\n/).forEach((line, index) => {
    if (line.trim() === '') {
      return;
    }
    if (line.startsWith('#')) {
      const match = /^#\s*([A-Za-z_]+)\s*:\s*(.*)$/.exec(line);
      if (match) {
        meta[match[1].toLowerCase()] = match[2].trim();
      }
      return;
    }
    const fields = line.split('\t');
    if (columns === null) {
      columns = fields.map((field) => field.trim());
      for (const required of ['scenario', 'server', 'msgs_per_s']) {
        if (!columns.includes(required)) {
          fail(`${file}: the header line has no '${required}' column (it reads: ${line})`);
        }
      }
      return;
    }
    if (fields.length !== columns.length) {
      fail(`${file}:${index + 1}: ${fields.length} fields where the header has ${columns.length}`);
    }
    const row = Object.fromEntries(columns.map((name, i) => [name, fields[i].trim()]));
    const raw = row.msgs_per_s;
    const value = raw === 'na' ? null : Number(raw);
    if (value !== null && !(Number.isFinite(value) && value >= 0)) {
      fail(`${file}:${index + 1}: msgs_per_s '${raw}' is neither a number nor na`);
    }
    if (rows.some((r) => r.scenario === row.scenario && r.server === row.server)) {
      fail(`${file}:${index + 1}: a second row for ${row.server} in '${row.scenario}'`);
    }
    rows.push({ scenario: row.scenario, server: row.server, value });
  });
  if (columns === null) {
    fail(`${file} has no header line`);
  }
  if (rows.length === 0) {
    fail(`${file} has no result rows`);
  }
  return { meta, rows };
}

// "65536 B binary 64x16" -> "64 KiB, 64 conn x 16 in flight"; text scenarios say so; anything else is shown as written.
function scenarioTitle(label) {
  const match = /^(\d+) B (binary|text) (\d+)x(\d+)$/.exec(label);
  if (!match) {
    return label;
  }
  const type = match[2] === 'text' ? ' text' : '';
  return `${bytes(Number(match[1]))}${type}, ${match[3]} conn x ${match[4]} in flight`;
}

function bytes(count) {
  if (count >= 1048576 && count % 1048576 === 0) {
    return `${count / 1048576} MiB`;
  }
  if (count >= 1024 && count % 1024 === 0) {
    return `${count / 1024} KiB`;
  }
  return `${count} B`;
}

// Three significant digits with a k or M suffix: 667152 -> "667k", 8280 -> "8.28k", 75954 -> "76.0k".
function compact(value) {
  if (value === 0) {
    return '0';
  }
  const units = [[1e6, 'M'], [1e3, 'k'], [1, '']];
  for (let i = units.length - 1; i >= 0; i--) {
    const [unit, suffix] = units[i];
    const scaled = Number((value / unit).toPrecision(3));
    if (scaled < 1000 || i === 0) {
      return `${scaled.toPrecision(3)}${suffix}`;
    }
  }
  return String(value);
}

// A tick label with as few decimals as it needs, in k below a million and M from there: 200000 -> "200k", 2500 -> "2.5k".
function tickLabel(value) {
  const [unit, suffix] = value >= 1e6 ? [1e6, 'M'] : value >= 1e3 ? [1e3, 'k'] : [1, ''];
  return `${Number((value / unit).toFixed(2))}${suffix}`;
}

// A linear axis from 0 in about five round steps (1, 2, 2.5 or 5 times a power of ten) covering the largest value.
function axis(max) {
  if (!(max > 0)) {
    return { top: 1, step: 1 };
  }
  const rough = max / 5;
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * power).find((candidate) => candidate >= rough);
  return { top: Math.ceil(max / step - 1e-9) * step, step };
}

// The width DejaVu Sans gives a string at a size, near enough: 0.6 em a character (a little less for narrow letters).
function textWidth(content, size) {
  return content.length * size * 0.6;
}

// The axis name on one line if it fits the width, else split at the space nearest its middle into two.
function labelLines(name, size, width) {
  if (textWidth(name, size) <= width || !name.includes(' ')) {
    return [name];
  }
  const middle = name.length / 2;
  let best = -1;
  for (let i = name.indexOf(' '); i >= 0; i = name.indexOf(' ', i + 1)) {
    if (best < 0 || Math.abs(i - middle) < Math.abs(best - middle)) {
      best = i;
    }
  }
  return [name.slice(0, best), name.slice(best + 1)];
}

// Two decimals ("1.08x"), or two significant digits below 0.1 so a tiny ratio does not read as zero.
function ratio(value) {
  return `${value >= 0.1 || value === 0 ? value.toFixed(2) : value.toPrecision(2)}x`;
}

function escape(text) {
  return String(text).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
}

function fmt(number) {
  return Number(number.toFixed(1)).toString();
}

function text(x, y, content, attributes = '') {
  return `<text x="${fmt(x)}" y="${fmt(y)}"${attributes ? ' ' + attributes : ''}>${escape(content)}</text>`;
}

function buildSvg({ meta, rows }) {
  const scenarios = [...new Set(rows.map((row) => row.scenario))];
  const present = new Set(rows.map((row) => row.server));
  const servers = SERVERS.filter((server) => present.has(server.id));
  for (const id of present) {
    if (!SERVERS.some((server) => server.id === id)) {
      servers.push({ id, legend: id, axis: id, colour: OTHER_COLOUR });
    }
  }

  const caption = [(present.has(BASELINE) ? 'Medians. Ratios under the bars: messages/s against Kestrel + ManagedWebSocket ' +
    'in the same scenario. ' : 'Medians. ') + 'Each panel has its own y-axis from 0.'];
  const run = [meta.date && `date: ${meta.date}`, meta.command && `command: ${meta.command}`].filter(Boolean).join('  \u00b7  ');
  if (run) {
    caption.push(run);
  }
  if (meta.machine) {
    caption.push(`machine: ${meta.machine}`);
  }

  const rowsOfPanels = Math.ceil(scenarios.length / COLUMNS);
  const captionTop = PANELS_TOP + rowsOfPanels * (PANEL_HEIGHT + GAP) - GAP + 28;
  const height = captionTop + (caption.length - 1) * CAPTION_LINE + 20;

  const out = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" ` +
    `font-family="${escape(FONT)}" fill="#1d2330">`);
  out.push(`<title>${escape(TITLE)}</title>`);
  out.push(`<rect width="${WIDTH}" height="${height}" fill="#ffffff"/>`);
  out.push(text(MARGIN, 40, TITLE, 'font-size="22" font-weight="bold"'));

  // Legend: one swatch and name per server, in the fixed order; widths estimated from the text length.
  let legendX = MARGIN;
  for (const server of servers) {
    out.push(`<rect x="${fmt(legendX)}" y="62" width="14" height="14" rx="2" fill="${server.colour}"/>`);
    out.push(text(legendX + 20, 74, server.legend, `font-size="14"${server.highlight ? ' font-weight="bold"' : ''}`));
    legendX += 20 + server.legend.length * (server.highlight ? 9 : 8.2) + 28;
  }

  scenarios.forEach((scenario, index) => {
    const row = Math.floor(index / COLUMNS);
    const inRow = Math.min(COLUMNS, scenarios.length - row * COLUMNS);
    const rowWidth = inRow * PANEL_WIDTH + (inRow - 1) * GAP;
    const x0 = (WIDTH - rowWidth) / 2 + (index % COLUMNS) * (PANEL_WIDTH + GAP);
    const y0 = PANELS_TOP + row * (PANEL_HEIGHT + GAP);
    out.push(...panel(scenario, rows.filter((r) => r.scenario === scenario), servers, x0, y0));
  });

  caption.forEach((line, i) => {
    out.push(text(MARGIN, captionTop + i * CAPTION_LINE, line, 'font-size="12" fill="#5b6270"'));
  });
  out.push('</svg>');
  return { svg: out.join('\n') + '\n', width: WIDTH, height };
}

function panel(scenario, rows, servers, x0, y0) {
  const value = (id) => {
    const row = rows.find((r) => r.server === id);
    return row === undefined ? undefined : row.value;
  };
  const base = value(BASELINE);
  const { top, step } = axis(Math.max(0, ...rows.map((r) => r.value ?? 0)));

  const left = x0 + 58;
  const right = x0 + PANEL_WIDTH - 6;
  const plotTop = y0 + 52;
  const bottom = y0 + PANEL_HEIGHT - 50;
  const y = (v) => bottom - (v / top) * (bottom - plotTop);

  const out = [];
  out.push(`<g class="panel" data-scenario="${escape(scenario)}">`);
  out.push(`<rect x="${fmt(x0)}" y="${fmt(y0)}" width="${fmt(PANEL_WIDTH)}" height="${PANEL_HEIGHT}" rx="6" fill="#f7f8fa" stroke="#e3e6ea"/>`);
  out.push(text(x0 + PANEL_WIDTH / 2, y0 + 26, scenarioTitle(scenario), 'font-size="15" font-weight="bold" text-anchor="middle"'));

  for (let tick = 0; tick <= top + 1e-9; tick += step) {
    const ty = y(tick);
    out.push(`<line x1="${fmt(left)}" y1="${fmt(ty)}" x2="${fmt(right)}" y2="${fmt(ty)}" stroke="${tick === 0 ? '#5b6270' : '#dde1e6'}"/>`);
    out.push(text(left - 6, ty + 4, tickLabel(tick), 'font-size="11" fill="#5b6270" text-anchor="end"'));
  }
  out.push(text(x0 + 14, (plotTop + bottom) / 2, 'messages/s', `font-size="11" fill="#5b6270" text-anchor="middle" transform="rotate(-90 ${fmt(x0 + 14)} ${fmt((plotTop + bottom) / 2)})"`));

  const slot = (right - left) / servers.length;
  const barWidth = Math.min(64, slot * 0.62);
  const nameSize = slot < 72 ? 10 : 11;
  servers.forEach((server, i) => {
    const centre = left + slot * (i + 0.5);
    const v = value(server.id);
    const weight = server.highlight ? ' font-weight="bold"' : '';
    if (v === undefined || v === null) {
      out.push(text(centre, bottom - 6, 'n/a', 'class="na" font-size="12" fill="#5b6270" text-anchor="middle"'));
    } else {
      const barTop = y(v);
      out.push(`<rect class="bar" data-scenario="${escape(scenario)}" data-server="${escape(server.id)}" data-value="${v}" ` +
        `x="${fmt(centre - barWidth / 2)}" y="${fmt(barTop)}" width="${fmt(barWidth)}" height="${fmt(bottom - barTop)}" ` +
        `fill="${server.colour}"${server.highlight ? ' stroke="#0d3a80" stroke-width="1.5"' : ''}/>`);
      out.push(text(centre, barTop - 6, compact(v), `class="value" font-size="12" text-anchor="middle"${weight}`));
      if (base !== undefined && base !== null && base > 0) {
        out.push(text(centre, bottom + 19, ratio(v / base), `class="ratio" font-size="13" text-anchor="middle"${weight}`));
      }
    }
    // A name wider than its slot goes on two lines, so neighbours never run into each other ("KestrelKestrel tuned").
    const lines = labelLines(server.axis, nameSize, slot - 6);
    lines.forEach((line, n) => {
      const lineY = bottom + (lines.length === 1 ? 37 : 33 + n * (nameSize + 2));
      out.push(text(centre, lineY, line, `class="name" data-slot="${fmt(slot)}" font-size="${nameSize}" fill="#5b6270" text-anchor="middle"${weight}`));
    });
  });
  out.push('</g>');
  return out;
}

// Headless Chromium screenshots the SVG at exactly its size. Its own profile in a fresh temporary folder, removed
// afterwards; bounded by a timeout after which its process group (which this script created) is killed.
function render(svgText, width, height, pngFile) {
  const temp = fs.mkdtempSync(path.join(os.tmpdir(), 'load-chart-'));
  const page = path.join(temp, 'chart.svg');
  const shot = path.join(temp, 'chart.png');
  fs.writeFileSync(page, svgText);
  const args = [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--no-first-run', `--user-data-dir=${path.join(temp, 'profile')}`,
    '--hide-scrollbars', '--force-device-scale-factor=1', `--window-size=${width},${height}`, `--screenshot=${shot}`,
    url.pathToFileURL(page).href,
  ];

  return new Promise((resolve) => {
    const cleanUp = () => fs.rmSync(temp, { recursive: true, force: true });
    let stderr = '';
    let timedOut = false;
    const chromium = childProcess.spawn('chromium', args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const killGroup = () => {
      try {
        process.kill(-chromium.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    };
    const onSignal = () => {
      killGroup();
      cleanUp();
      process.exit(130);
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup();
    }, CHROMIUM_TIMEOUT_MS);
    chromium.stdout.on('data', (chunk) => { stderr += chunk; });
    chromium.stderr.on('data', (chunk) => { stderr += chunk; });
    chromium.on('error', (error) => {
      clearTimeout(timer);
      cleanUp();
      fail(error.code === 'ENOENT'
        ? "no 'chromium' on PATH: install Debian's chromium package (apt-get install chromium)"
        : `cannot start chromium: ${error.message}`);
    });
    chromium.on('close', (code, signal) => {
      clearTimeout(timer);
      process.removeListener('SIGINT', onSignal);
      process.removeListener('SIGTERM', onSignal);
      // Without a session bus Chromium logs a screenful of D-Bus errors on every run: noise, left out of the tail.
      const tail = stderr.trim().split('\n').filter((line) => !/dbus/i.test(line)).slice(-15).join('\n');
      let problem = null;
      if (timedOut) {
        problem = `chromium did not finish within ${CHROMIUM_TIMEOUT_MS / 1000} s and was killed`;
      } else if (code !== 0) {
        problem = `chromium exited with ${signal ? `signal ${signal}` : `code ${code}`}`;
      } else if (!isPng(shot)) {
        problem = 'chromium exited but wrote no PNG';
      }
      if (problem === null) {
        fs.copyFileSync(shot, pngFile);
      }
      cleanUp();
      if (problem !== null) {
        fail(`${problem}; its last output:\n${tail}`);
      }
      resolve();
    });
  });
}

function isPng(file) {
  try {
    const head = fs.readFileSync(file).subarray(0, 8);
    return head.equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  } catch {
    return false;
  }
}

async function main() {
  const args = process.argv.slice(2);
  if (args.length !== 2 || !args[1].toLowerCase().endsWith('.png')) {
    process.stderr.write('usage: node render-load-chart.js RESULTS.tsv OUT.png   (also writes OUT.svg)\n');
    process.exit(2);
  }
  const [input, output] = args.map((arg) => path.resolve(arg));
  const svgFile = output.slice(0, -'.png'.length) + '.svg';
  const chart = buildSvg(readResults(input));
  fs.mkdirSync(path.dirname(output), { recursive: true });
  fs.writeFileSync(svgFile, chart.svg);
  await render(chart.svg, chart.width, chart.height, output);
  process.stdout.write(`wrote ${output} (${chart.width}x${chart.height}) and ${svgFile}\n`);
}

main();
